import { Module } from '@nestjs/common';
import { AccessTokens } from '../auth/access-tokens.js';
import { BearerAuthGuard } from '../auth/bearer-auth.guard.js';
import { PasswordHasher } from '../auth/passwords.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  controllers: [UsersController],
  providers: [UsersService, UsersRepository, PasswordHasher, AccessTokens, BearerAuthGuard],
})
export class UsersModule {}
