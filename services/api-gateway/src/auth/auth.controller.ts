import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { clientIp } from '../rate-limit/rate-limit.guard.js';
import { RateLimits } from '../rate-limit/rate-limits.js';
import { passThroughClientErrors, Upstreams } from '../upstreams.js';
import { Public, type GatewayRequest } from './auth.guard.js';

/**
 * Register and login pass through to the user-service, which validates them and issues the token; the gateway adds
 * the stricter login limit. Bodies are forwarded as sent: the user-service's 400/401/409 come back unchanged.
 */
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly upstreams: Upstreams,
    private readonly limits: RateLimits,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('register')
  @Public()
  @HttpCode(201)
  async register(@Body() body: unknown) {
    try {
      const { body: user } = await this.upstreams
        .client('user-service')
        .post<unknown>('/auth/register', body ?? null, { deadlineMs: this.config.UPSTREAM_TIMEOUT_MS });
      return user;
    } catch (error) {
      passThroughClientErrors(error);
    }
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() request: GatewayRequest) {
    const email = (body as { email?: unknown } | null)?.email;
    const ip = clientIp(request, this.config.TRUSTED_PROXY_HOPS);
    if (typeof email === 'string') await this.limits.loginAttempt(email.slice(0, 254), ip);
    try {
      const { body: token } = await this.upstreams
        .client('user-service')
        .post<unknown>('/auth/login', body ?? null, { deadlineMs: this.config.UPSTREAM_TIMEOUT_MS });
      if (typeof email === 'string') await this.limits.loginSucceeded(email, ip);
      return token;
    } catch (error) {
      passThroughClientErrors(error);
    }
  }
}
