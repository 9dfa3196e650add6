import { JwksUserTokenVerifier, USER_TOKEN_VERIFIER } from '@refarch/bootstrap';
import { Module } from '@nestjs/common';
import { AccessTokens } from '../auth/access-tokens.js';
import type { UserServiceConfig } from '../config.js';
import { USER_CONFIG } from '../tokens.js';
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
    // The platform's verifier, reading the keys from this service itself rather than over HTTP.
    {
      provide: USER_TOKEN_VERIFIER,
      inject: [AccessTokens, USER_CONFIG],
      useFactory: (tokens: AccessTokens, config: UserServiceConfig) =>
        new JwksUserTokenVerifier(() => Promise.resolve(tokens.jwks()), config),
    },
  ],
})
export class UsersModule {}
