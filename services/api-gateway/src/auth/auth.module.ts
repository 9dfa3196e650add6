import { Module } from '@nestjs/common';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { AuthController } from './auth.controller.js';
import { AccessTokenVerifier } from './jwks.js';

/** Sign-up and sign-in forwarded to user-service, and the JWKS-backed verifier the global AuthGuard uses. */
@Module({
  imports: [RateLimitModule],
  controllers: [AuthController],
  providers: [AccessTokenVerifier],
  exports: [AccessTokenVerifier],
})
export class AuthModule {}
