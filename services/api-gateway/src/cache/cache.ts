import { randomUUID } from 'node:crypto';
import { sharedMetric } from '@refarch/observability';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';

export type CacheResult = 'hit' | 'miss' | 'error';

export interface CacheOptions {
  /** How long a miss waits for another replica already loading the same key before loading it itself. */
  lockWaitMs?: number;
  pollMs?: number;
}

// Writes the loaded value only if the key's generation is still the one read before loading: a load that raced an
// invalidation (a profile update) must not put the old value back for a whole TTL.
const SET_IF_GENERATION = `
local current = redis.call('get', KEYS[2]) or '0'
if current ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/**
 * Cache-aside in Redis with stampede protection, for JSON values.
 *
 * When a hot key expires, one caller loads it: concurrent misses in this process share one load (single flight),
 * and across replicas the first to take `lock:<key>` (SET NX PX) loads while the others poll the key briefly. When
 * Redis fails, every call goes to the source — slower, still correct — and counts as `error`.
 *
 * Why not a cache library: cache-manager and friends have no cross-replica stampede lock nor the generation check
 * that keeps an invalidation from being undone by a load that started before it.
 */
export class Cache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly requests: Counter<'cache' | 'result'>;
  private readonly lockWaitMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly redis: Redis,
    registry: Registry,
    options: CacheOptions = {},
  ) {
    this.lockWaitMs = options.lockWaitMs ?? 1_000;
    this.pollMs = options.pollMs ?? 20;
    this.requests = sharedMetric(
      registry,
      'cache_requests_total',
      () =>
        new Counter({
          name: 'cache_requests_total',
          help: 'Cache reads by cache and result (hit, miss, error = Redis unavailable, served from the source)',
          labelNames: ['cache', 'result'],
          registers: [registry],
        }),
    );
  }

  /** The cached value of `key`, or `load()`'s, stored for `ttlSeconds`. */
  async getOrLoad<T>(cache: string, key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    const flightKey = `${cache}:${key}`;
    const running = this.inflight.get(flightKey) as Promise<T> | undefined;
    if (running) {
      this.requests.inc({ cache, result: 'hit' });
      return running;
    }
    const work = this.read(cache, key, ttlSeconds, load).finally(() => this.inflight.delete(flightKey));
    this.inflight.set(flightKey, work);
    return work;
  }

  /** Drops `key` (after a write); a load already running for it will not store its older value. */
  async invalidate(key: string): Promise<void> {
    try {
      await this.redis.multi().del(key).incr(generationKey(key)).exec();
    } catch {
      // Redis down: nothing cached can be served either; the TTL bounds what is left when it returns.
    }
  }

  private async read<T>(cache: string, key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    let generation: string;
    try {
      const [value, gen] = await this.redis.mget(key, generationKey(key));
      if (value !== null && value !== undefined) {
        this.requests.inc({ cache, result: 'hit' });
        return JSON.parse(value) as T;
      }
      generation = gen ?? '0';
    } catch {
      this.requests.inc({ cache, result: 'error' });
      return load();
    }
    this.requests.inc({ cache, result: 'miss' });

    const lock = `lock:${key}`;
    const token = randomUUID();
    let locked = false;
    try {
      locked = (await this.redis.set(lock, token, 'PX', this.lockWaitMs, 'NX')) === 'OK';
    } catch {
      return load();
    }
    if (!locked) {
      const waited = await this.waitForValue<T>(key);
      if (waited.found) return waited.value;
    }
    try {
      const value = await load();
      try {
        await this.redis.eval(
          SET_IF_GENERATION,
          2,
          key,
          generationKey(key),
          generation,
          JSON.stringify(value),
          ttlSeconds * 1000,
        );
      } catch {
        // Not stored: the next read loads again.
      }
      return value;
    } finally {
      if (locked) await this.redis.eval(RELEASE_LOCK, 1, lock, token).catch(() => undefined);
    }
  }

  private async waitForValue<T>(key: string): Promise<{ found: true; value: T } | { found: false }> {
    const until = Date.now() + this.lockWaitMs;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      try {
        const value = await this.redis.get(key);
        if (value !== null) return { found: true, value: JSON.parse(value) as T };
      } catch {
        return { found: false };
      }
    }
    return { found: false };
  }
}

const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

const generationKey = (key: string) => `gen:${key}`;
