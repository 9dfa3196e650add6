// What the shopper does, sent to the gateway's POST /api/events in batches, best-effort: tracking never blocks
// or breaks the page. A batch the gateway could not take (network, 429, 5xx) stays queued and goes again with the
// same ids (the analytics worker counts an id once); a batch it refused (4xx) is dropped. The queue is bounded.

export type ShopEvent =
  | { type: 'shop.product-viewed.v1'; data: { sku: string } }
  | { type: 'shop.cart-item-added.v1'; data: { sku: string; quantity: number } }
  | { type: 'shop.checkout-started.v1'; data: { itemCount: number } };

export interface QueuedEvent {
  id: string;
  type: ShopEvent['type'];
  at: string;
  data: ShopEvent['data'] & { sessionId: string };
}

/** What a send came to: sent, try again later, or refused for good. */
export type SendOutcome = 'sent' | 'retry' | 'drop';

export interface TrackerOptions {
  send: (events: QueuedEvent[]) => Promise<SendOutcome>;
  sessionId: string;
  /** Sends when this many are queued, or every `flushMs`, whichever first. */
  batchSize?: number;
  flushMs?: number;
  /** The oldest are dropped beyond this (a gateway down for long must not grow the page's memory). */
  maxQueued?: number;
  now?: () => Date;
  newId?: () => string;
}

export class ShopEventTracker {
  private queue: QueuedEvent[] = [];
  private sending = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly seen = new Set<string>();
  dropped = 0;

  constructor(private readonly options: TrackerOptions) {}

  start(): this {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushMs ?? 3_000);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get pending(): number {
    return this.queue.length;
  }

  track(event: ShopEvent): void {
    const { now = () => new Date(), newId = () => crypto.randomUUID() } = this.options;
    this.queue.push({
      id: newId(),
      type: event.type,
      at: now().toISOString(),
      data: { ...event.data, sessionId: this.options.sessionId },
    });
    const max = this.options.maxQueued ?? 200;
    if (this.queue.length > max) {
      this.dropped += this.queue.length - max;
      this.queue = this.queue.slice(-max);
    }
    if (this.queue.length >= (this.options.batchSize ?? 20)) void this.flush();
  }

  /** A product viewed once per page life: the catalog re-renders every few seconds. */
  viewed(sku: string): void {
    if (this.seen.has(sku)) return;
    this.seen.add(sku);
    this.track({ type: 'shop.product-viewed.v1', data: { sku } });
  }

  /** Sends what is queued (one batch at a time; never throws). */
  async flush(): Promise<void> {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    const batch = this.queue.slice(0, this.options.batchSize ?? 20);
    try {
      const outcome = await this.options.send(batch).catch((): SendOutcome => 'retry');
      if (outcome !== 'retry') this.queue = this.queue.filter((e) => !batch.includes(e));
      if (outcome === 'drop') this.dropped += batch.length;
    } finally {
      this.sending = false;
    }
  }
}

/** This tab's shop session (a random id in sessionStorage): what the funnel counts. */
export function shopSessionId(storage: Storage | undefined = globalThis.sessionStorage): string {
  const key = 'refarch.shop-session';
  const existing = storage?.getItem(key);
  if (existing) return existing;
  const id = crypto.randomUUID();
  storage?.setItem(key, id);
  return id;
}
