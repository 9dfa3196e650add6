import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { isApiRequest, type GatewayRequest } from '../auth/auth.guard.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { RateLimits } from './rate-limits.js';

/**
 * The client's address: the socket peer, or — behind `hops` trusted proxies (the ingress) — the address those proxies
 * appended to `X-Forwarded-For`. Entries further left are the client's own claims and are never trusted.
 */
export function clientIp(request: Pick<GatewayRequest, 'ip' | 'headers'>, hops: number): string {
  if (hops === 0) return request.ip;
  const header = request.headers['x-forwarded-for'];
  const chain = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return chain[chain.length - hops] ?? chain[0] ?? request.ip;
}

/** Per-user (or per-IP when anonymous) limit on every `/api` route; answers carry `RateLimit-*` headers. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: RateLimits,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<GatewayRequest>();
    if (!isApiRequest(request)) return true;
    const allowance = await this.limits.request(
      request.caller ? { userId: request.caller.userId } : { ip: clientIp(request, this.config.TRUSTED_PROXY_HOPS) },
    );
    const reply = http.getResponse<{ header(name: string, value: string): unknown }>();
    reply.header('ratelimit-limit', String(allowance.limit));
    reply.header('ratelimit-remaining', String(allowance.remaining));
    reply.header('ratelimit-reset', String(allowance.resetSeconds));
    return true;
  }
}
