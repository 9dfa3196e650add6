import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@refarch/observability';
import type { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { REDIS } from '../redis.js';
import { TooManyStreamsError } from './orders.errors.js';

/** What one open stream is taken to cost, socket buffers included: the basis of the default per-replica cap. */
const BYTES_PER_STREAM = 64 * 1024;
/** Share of the memory limit open streams may take by default. */
const STREAM_MEMORY_SHARE = 0.25;

/** The container's memory limit (cgroup v2, then v1), else the machine's memory. */
function memoryLimitBytes(): number {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const value = Number(readFileSync(file, 'utf8').trim());
      // "max" (v2) is NaN; v1's "unlimited" is a huge number: both mean no limit of the container's own.
      if (Number.isFinite(value) && value > 0 && value < totalmem()) return value;
    } catch {
      // not in a container, or another cgroup layout
    }
  }
  return totalmem();
}

/** Default per-replica cap: a quarter of the memory limit at 64 KiB a stream, between 100 and 20 000 (256 MiB → 1024). */
export function defaultStreamCap(memoryBytes = memoryLimitBytes()): number {
  return Math.min(20_000, Math.max(100, Math.floor((memoryBytes * STREAM_MEMORY_SHARE) / BYTES_PER_STREAM)));
}

/** How long a stream's entry in Redis lives without a refresh: a crashed replica's streams free their slots after it. */
const LEASE_MS = 30_000;
const RETRY_AFTER_SECONDS = 10;

// One user's open streams: a sorted set of stream ids scored by lease expiry, timed by Redis's own clock (TIME), so
// replicas whose clocks disagree count alike. Expired entries (a replica that died) are dropped before counting.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1`;
const REFRESH = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1`;

type SlotRedis = Redis & {
  sseAcquire(key: string, limit: number, id: string, leaseMs: number): Promise<number>;
  sseRefresh(key: string, id: string, leaseMs: number): Promise<number>;
};

/** A held stream slot; `release()` frees it (idempotent). */
export interface StreamSlot {
  release(): void;
}

export type StreamEnd = 'terminal' | 'client_closed' | 'lifetime' | 'slow_client' | 'shutdown';

/**
 * Bounds what callers can hold open: at most SSE_MAX_STREAMS_PER_USER order streams per user over all replicas
 * (counted in Redis), and SSE_MAX_STREAMS per replica. With Redis down, the per-user count is this replica's own —
 * looser, never open, like the rate limiter's insurance. Written here rather than with redis-semaphore: that
 * library refreshes each lock on a timer of its own, and a refresh that fails while Redis is down rejects with
 * nobody listening (an unhandled rejection ends the process); here one timer refreshes every stream of the replica.
 */
@Injectable()
export class StreamSlots implements OnApplicationShutdown {
  readonly maxPerUser: number;
  readonly maxPerReplica: number;
  private readonly redis: SlotRedis;
  private readonly local = new Map<string, number>();
  /** Streams whose slot is in Redis: stream id → Redis key. */
  private readonly held = new Map<string, string>();
  private open = 0;
  private readonly refusals: Counter<'reason'>;
  private readonly ends: Counter<'reason'>;
  private readonly refresher: NodeJS.Timeout;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.maxPerUser = config.SSE_MAX_STREAMS_PER_USER;
    this.maxPerReplica = config.SSE_MAX_STREAMS ?? defaultStreamCap();
    if (!('sseAcquire' in redis)) {
      redis.defineCommand('sseAcquire', { numberOfKeys: 1, lua: ACQUIRE });
      redis.defineCommand('sseRefresh', { numberOfKeys: 1, lua: REFRESH });
    }
    this.redis = redis as SlotRedis;
    const openStreams = () => this.open;
    new Gauge({
      name: 'sse_streams_open',
      help: 'Order event streams open on this replica',
      registers: [registry],
      collect() {
        this.set(openStreams());
      },
    });
    this.refusals = new Counter({
      name: 'sse_streams_refused_total',
      help: 'Order event streams refused (429): the user or this replica was at its cap',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.ends = new Counter({
      name: 'sse_streams_ended_total',
      help: 'Order event streams ended, by why: terminal status, client closed, lifetime, slow client, shutdown',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.refresher = setInterval(() => void this.refresh(), LEASE_MS / 3);
    this.refresher.unref();
  }

  /** A slot for one more stream of `userId`, or a 429 {@link TooManyStreamsError}. */
  async acquire(userId: string): Promise<StreamSlot> {
    if (this.open >= this.maxPerReplica) {
      this.refusals.inc({ reason: 'replica' });
      throw new TooManyStreamsError('replica', this.maxPerReplica, RETRY_AFTER_SECONDS);
    }
    const id = randomUUID();
    const key = `sse:${userId}`;
    let inRedis: boolean;
    try {
      inRedis = (await this.redis.sseAcquire(key, this.maxPerUser, id, LEASE_MS)) === 1;
      if (!inRedis) this.refuse();
    } catch (error) {
      if (error instanceof TooManyStreamsError) throw error;
      // Redis down: this replica's own count decides.
      this.logger.debug({ err: error }, 'stream slots: Redis unavailable, counting per replica');
      inRedis = false;
      if ((this.local.get(userId) ?? 0) >= this.maxPerUser) this.refuse();
    }
    // Counted synchronously after the checks: two concurrent acquires cannot both pass the replica cap's last slot.
    if (this.open >= this.maxPerReplica) {
      if (inRedis) void this.redis.zrem(key, id).catch(() => undefined);
      this.refusals.inc({ reason: 'replica' });
      throw new TooManyStreamsError('replica', this.maxPerReplica, RETRY_AFTER_SECONDS);
    }
    this.open++;
    this.local.set(userId, (this.local.get(userId) ?? 0) + 1);
    if (inRedis) this.held.set(id, key);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        const left = (this.local.get(userId) ?? 1) - 1;
        if (left > 0) this.local.set(userId, left);
        else this.local.delete(userId);
        if (this.held.delete(id)) {
          // An entry Redis could not drop now expires with its lease.
          this.redis.zrem(key, id).catch(() => undefined);
        }
      },
    };
  }

  /** Counts how a stream ended (metrics). */
  ended(reason: StreamEnd): void {
    this.ends.inc({ reason });
  }

  onApplicationShutdown() {
    clearInterval(this.refresher);
  }

  private refuse(): never {
    this.refusals.inc({ reason: 'user' });
    throw new TooManyStreamsError('user', this.maxPerUser, RETRY_AFTER_SECONDS);
  }

  /** Extends the leases of this replica's streams (one pipeline); failures just let them age until Redis is back. */
  private async refresh() {
    if (this.held.size === 0) return;
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
      sseRefresh(key: string, id: string, leaseMs: number): unknown;
    };
    for (const [id, key] of this.held) pipeline.sseRefresh(key, id, LEASE_MS);
    await pipeline.exec().catch((error: unknown) => {
      this.logger.debug({ err: error }, 'stream slots: lease refresh failed');
    });
  }
}
