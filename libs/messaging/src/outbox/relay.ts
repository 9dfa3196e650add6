import type { Envelope } from '@refarch/contracts';
import { sharedMetric } from '@refarch/observability';
import { Gauge, Histogram, type Registry } from 'prom-client';

/** One message waiting in an outbox. */
export interface OutboxRecord {
  id: string;
  /** `event` → refarch.events; anything else is the base name of a command's queue (the publisher adds the namespace). */
  destination: string;
  envelope: Envelope;
  headers: Record<string, unknown>;
  createdAt: Date;
}

/** A batch claimed by one relay: nobody else publishes these records until it is completed or released. */
export interface ClaimedBatch {
  records: OutboxRecord[];
  /** Marks these records published (only ids whose publish was confirmed). */
  complete(publishedIds: string[]): Promise<void>;
}

/** Where an outbox lives (PostgreSQL table, MongoDB aggregate documents). */
export interface OutboxStore {
  /** Claims up to `limit` pending records, oldest first, skipping ones another relay holds. */
  claim(limit: number): Promise<ClaimedBatch>;
  pendingCount(): Promise<number>;
  /** Deletes records published longer ago than `olderThanMs`. */
  prune(olderThanMs: number): Promise<number>;
  /** Calls `wake` when new records are written (LISTEN/NOTIFY, change streams); returns a stop function. */
  watch?(wake: () => void): Promise<() => Promise<void>>;
}

export interface RelayPublisher {
  publish(envelope: Envelope, options: { headers?: Record<string, unknown> }): Promise<void>;
  send(queue: string, envelope: Envelope, options: { headers?: Record<string, unknown> }): Promise<void>;
}

export interface RelayOptions {
  batchSize?: number;
  /** Polling fallback when no notification arrives (and the only trigger where the store cannot watch). */
  pollIntervalMs?: number;
  /** Published records are kept this long (for inspection), then pruned. */
  retentionMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Moves outbox records to the broker: claim a batch, publish each with confirms, mark published only what was
 * confirmed. Woken by the store's notifications, with polling as the fallback; safe with several replicas (claims
 * never overlap). At-least-once: a crash between confirm and mark republishes, and consumers deduplicate by id.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private running = false;
  private wakeUp: (() => void) | undefined;
  /** A notification that arrived while a batch was running (no sleeper to wake): the next sleep is skipped. */
  private woken = false;
  private loop: Promise<void> | undefined;
  private stopWatching: (() => Promise<void>) | undefined;
  private readonly pendingGauge: Gauge;
  private readonly lag: Histogram;
  private lastPrune = 0;

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: RelayPublisher,
    registry: Registry,
    private readonly options: RelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.retentionMs = options.retentionMs ?? 60 * 60_000;
    const store_ = store;
    this.pendingGauge = sharedMetric(
      registry,
      'outbox_pending',
      () =>
        new Gauge({
          name: 'outbox_pending',
          help: 'Outbox records not yet confirmed by the broker',
          registers: [registry],
          async collect() {
            this.set(await store_.pendingCount().catch(() => Number.NaN));
          },
        }),
    );
    this.lag = sharedMetric(
      registry,
      'outbox_publish_lag_seconds',
      () =>
        new Histogram({
          name: 'outbox_publish_lag_seconds',
          help: 'Time from an outbox record being committed to its publish being confirmed',
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers: [registry],
        }),
    );
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopWatching = await this.store.watch?.(() => this.wake());
    this.loop = this.run();
  }

  /** Stops after the batch in flight (its confirms are awaited, so nothing is half-published). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.stopWatching?.();
  }

  /** Publishes one batch; returns how many records were published. Exposed for tests and tools. */
  async relayOnce(): Promise<number> {
    const batch = await this.store.claim(this.batchSize);
    if (batch.records.length === 0) {
      await batch.complete([]);
      return 0;
    }
    const results = await Promise.allSettled(
      batch.records.map(async (record) => {
        const options = { headers: record.headers };
        if (record.destination === 'event') await this.publisher.publish(record.envelope, options);
        else await this.publisher.send(record.destination, record.envelope, options);
        this.lag.observe((Date.now() - record.createdAt.getTime()) / 1000);
        return record.id;
      }),
    );
    const published = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    await batch.complete(published);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) this.options.onError?.(failed.reason);
    return published.length;
  }

  private wake() {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      this.woken = false;
      try {
        published = await this.relayOnce();
        if (Date.now() - this.lastPrune > 60_000) {
          this.lastPrune = Date.now();
          await this.store.prune(this.retentionMs);
        }
      } catch (error) {
        this.options.onError?.(error);
      }
      // A full batch means more may be waiting: go again at once. Otherwise sleep until notified or polled.
      if (published >= this.batchSize || !this.running || this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /** For tests: the pending gauge's current value. */
  async pending(): Promise<number> {
    return (await this.pendingGauge.get()).values[0]?.value ?? 0;
  }
}
