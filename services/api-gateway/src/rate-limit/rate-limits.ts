import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { REDIS } from '../redis.js';
import { RateLimitedError } from './rate-limit.errors.js';

export interface Allowance {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * Fixed-window counters in Redis (rate-limiter-flexible: one atomic Lua INCR+EXPIRE per request), so every gateway
 * replica counts against the same limit. If Redis fails, each replica falls back to an in-memory limiter of the same
 * size (the "insurance" limiter): limits then hold per replica instead of in total — looser, never open.
 */
function limiter(redis: Redis, keyPrefix: string, points: number, duration: number) {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
  });
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

@Injectable()
export class RateLimits {
  private readonly users: RateLimiterRedis;
  private readonly anonymous: RateLimiterRedis;
  private readonly loginPerAccountIp: RateLimiterRedis;
  private readonly loginPerAccount: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    const window = config.RATE_LIMIT_WINDOW_SECONDS;
    this.users = limiter(redis, 'rl:user', config.RATE_LIMIT_POINTS, window);
    this.anonymous = limiter(redis, 'rl:ip', config.RATE_LIMIT_ANONYMOUS_POINTS, window);
    this.loginPerAccountIp = limiter(
      redis,
      'rl:login-ip',
      config.LOGIN_ATTEMPTS_PER_ACCOUNT_IP,
      config.LOGIN_WINDOW_SECONDS,
    );
    this.loginPerAccount = limiter(redis, 'rl:login', config.LOGIN_ATTEMPTS_PER_ACCOUNT, config.LOGIN_WINDOW_SECONDS);
  }

  /** Counts one request of a user (or of an anonymous IP); throws 429 once the window's limit is spent. */
  async request(subject: { userId: string } | { ip: string }): Promise<Allowance> {
    const [store, key] = 'userId' in subject ? [this.users, subject.userId] : [this.anonymous, subject.ip];
    try {
      const res = await store.consume(key);
      return { limit: store.points, remaining: res.remainingPoints, resetSeconds: seconds(res.msBeforeNext) };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      throw new RateLimitedError(
        seconds(error.msBeforeNext),
        `Rate limit of ${store.points} requests per ${store.duration} s reached; retry later`,
      );
    }
  }

  /** Counts one login attempt for an account, per IP and over all IPs (credential stuffing, password guessing). */
  async loginAttempt(email: string, ip: string): Promise<void> {
    const account = email.trim().toLowerCase();
    for (const [store, key] of [
      [this.loginPerAccountIp, `${account}|${ip}`],
      [this.loginPerAccount, account],
    ] as const) {
      try {
        await store.consume(key);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        throw new RateLimitedError(
          seconds(error.msBeforeNext),
          'Too many sign-in attempts for this account; retry later',
        );
      }
    }
  }

  /** A successful sign-in clears that IP's failed attempts for the account. */
  async loginSucceeded(email: string, ip: string): Promise<void> {
    await this.loginPerAccountIp.delete(`${email.trim().toLowerCase()}|${ip}`).catch(() => undefined);
  }
}
