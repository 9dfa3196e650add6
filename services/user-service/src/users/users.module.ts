import { USER_TOKEN_VERIFIER } from '@refarch/bootstrap';
import { Module } from '@nestjs/common';
import { AccessTokens } from '../auth/access-tokens.js';
import { PasswordHasher } from '../auth/passwords.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  controllers: [UsersController],
  providers: [
    UsersService,
    UsersRepository,
    PasswordHasher,
    AccessTokens,
    // The platform's guard checks user tokens with the issuer's own keys here, not over HTTP.
    { provide: USER_TOKEN_VERIFIER, useExisting: AccessTokens },
  ],
})
export class UsersModule {}
