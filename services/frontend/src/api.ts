import { fetchEventSource } from '@microsoft/fetch-event-source';
import type { Product } from './cart.js';
import { runtimeConfig } from './config.js';
import type { OrderStatus, PublicOrderView } from '@refarch/contracts/api';
import type { QueuedEvent, SendOutcome } from './shop-events.js';
import type { SagaTransition, StreamEvent } from './timeline.js';

/** An RFC 9457 problem from the gateway, or a network failure (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly errors?: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get unreachable() {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** An order as the public API shows it (declared once, in libs/contracts). */
export type OrderView = PublicOrderView;

export interface FullOrder {
  order: OrderView;
  user: { id: string; name: string; email: string } | null;
  payment: { status: string; amountCents: number } | null;
  saga: { state: string; reason: string | null; waiting: string | null; steps: SagaTransition[] } | null;
  degraded: string[];
}

export interface Breaker {
  name: string;
  dependency: string;
  state: 'closed' | 'open' | 'halfOpen';
  stats?: { successes: number; failures: number; timeouts: number; rejects: number; fires: number };
}

export interface FaultSettings {
  mode: 'off' | 'error' | 'latency' | 'hang';
  errorRate: number;
  latencyMs: number;
}

export type Health = 'ok' | 'unreachable' | 'degraded';

/** The analytics worker's aggregates (GET /api/analytics/summary, admin). */
export interface AnalyticsSummary {
  from: string;
  to: string;
  minutes: { minute: string; placed: number; approved: number; rejected: number; revenueCents: number }[];
  totals: { placed: number; approved: number; rejected: number; revenueCents: number };
  rejectedBy: Record<string, number>;
  sagaDurationMs: { count: number; p50: number | null; p95: number | null; p99: number | null };
  funnel: { viewed: number; carted: number; checkout: number; ordered: number };
}

/** Every call of the app to the gateway; tells `onHealth` whether the gateway answers and whether it is degraded. */
export class Api {
  constructor(
    private readonly token: () => string | undefined,
    private readonly onHealth: (health: Health, detail?: string) => void = () => undefined,
    private readonly base = runtimeConfig().apiBaseUrl,
  ) {}

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const token = this.token();
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      this.onHealth('unreachable', 'The gateway cannot be reached');
      throw new ApiError(0, 'NETWORK', 'The gateway cannot be reached — is the stack running?');
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const problem = (json ?? {}) as { code?: string; detail?: string; title?: string; errors?: ApiError['errors'] };
      const retryAfter = Number(response.headers.get('retry-after')) || undefined;
      const error = new ApiError(
        response.status,
        problem.code ?? `HTTP.${response.status}`,
        problem.detail ?? problem.title ?? `The gateway answered ${response.status}`,
        retryAfter,
        problem.errors,
      );
      if (error.unreachable) this.onHealth('degraded', error.message);
      else this.onHealth('ok');
      throw error;
    }
    const degraded = (json as { degraded?: unknown } | undefined)?.degraded;
    if (Array.isArray(degraded) && degraded.length)
      this.onHealth('degraded', `Partial answer: ${degraded.join(', ')} unavailable`);
    else this.onHealth('ok');
    return json as T;
  }

  register(email: string, password: string, name: string) {
    return this.call<{ id: string; email: string; name: string }>('POST', '/api/auth/register', {
      email,
      password,
      name,
    });
  }
  login(email: string, password: string) {
    return this.call<{ accessToken: string; expiresIn: number }>('POST', '/api/auth/login', { email, password });
  }
  products() {
    return this.call<Product[]>('GET', '/api/products');
  }
  /**
   * Best-effort tracking (src/shop-events.ts): its own fetch, so a refused or failed batch never flips the page's
   * gateway banner. `keepalive` lets the last batch leave while the page closes.
   */
  async sendEvents(events: QueuedEvent[]): Promise<SendOutcome> {
    const token = this.token();
    const response = await fetch(`${this.base}/api/events`, {
      method: 'POST',
      keepalive: true,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ events }),
    });
    if (response.ok) return 'sent';
    return response.status === 429 || response.status >= 500 ? 'retry' : 'drop';
  }
  analyticsSummary() {
    return this.call<AnalyticsSummary>('GET', '/api/analytics/summary');
  }
  placeOrder(items: { sku: string; quantity: number }[], idempotencyKey: string) {
    return this.call<{ orderId: string; status: OrderStatus }>(
      'POST',
      '/api/orders',
      { items },
      { 'idempotency-key': idempotencyKey },
    );
  }
  orders() {
    return this.call<OrderView[]>('GET', '/api/orders?limit=100');
  }
  order(orderId: string) {
    return this.call<OrderView>('GET', `/api/orders/${encodeURIComponent(orderId)}`);
  }
  fullOrder(orderId: string) {
    return this.call<FullOrder>('GET', `/api/orders/${encodeURIComponent(orderId)}/full`);
  }
  breakers() {
    return this.call<{ services: Record<string, Breaker[] | null>; degraded: string[] }>('GET', '/api/lab/breakers');
  }
  faults() {
    return this.call<{ services: Record<string, FaultSettings | null>; degraded: string[] }>('GET', '/api/lab/faults');
  }
  setFaults(service: string, settings: FaultSettings) {
    return this.call<{ service: string; faults: FaultSettings }>(
      'PUT',
      `/api/lab/faults/${encodeURIComponent(service)}`,
      settings,
    );
  }

  /**
   * The order's live stream. EventSource cannot send an Authorization header, so the stream is read with fetch
   * (@microsoft/fetch-event-source); it reconnects after a dropped connection and stops after a terminal status.
   */
  orderEvents(orderId: string, onEvent: (event: StreamEvent) => void, signal: AbortSignal): Promise<void> {
    const token = this.token();
    let terminal = false;
    return fetchEventSource(`${this.base}/api/orders/${encodeURIComponent(orderId)}/events`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal,
      openWhenHidden: true,
      onopen: (response) => {
        if (!response.ok) {
          const retryAfter = Number(response.headers.get('retry-after')) || undefined;
          throw new ApiError(
            response.status,
            `HTTP.${response.status}`,
            'The order stream could not be opened',
            retryAfter,
          );
        }
        return Promise.resolve();
      },
      onmessage: (message) => {
        if (message.event !== 'status' && message.event !== 'step') return;
        const data = JSON.parse(message.data) as StreamEvent['data'];
        if (message.event === 'status' && 'status' in data && data.status !== 'PENDING') terminal = true;
        onEvent({ type: message.event, ...(message.id ? { id: message.id } : {}), data } as StreamEvent);
      },
      onclose: () => {
        // The server ends the stream after a terminal status: then do not reconnect. It also ends streams that
        // reached their lifetime: reconnect, and the first event is the current status again.
        if (!terminal) throw new Error('order stream ended before a terminal status');
      },
      onerror: (error: unknown) => {
        // Too many streams open (429): wait as told, then try again.
        if (error instanceof ApiError && error.status === 429) return (error.retryAfterSeconds ?? 10) * 1000;
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) throw error;
        return 2_000;
      },
    });
  }
}
