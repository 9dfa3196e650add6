import { Inject, Injectable } from '@nestjs/common';
import { HttpStatusError } from '@refarch/resilience';
import { forwardedAuth, type Caller } from '../auth/jwks.js';
import { Cache } from '../cache/cache.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { profileKey } from '../users/profiles.js';
import { passThroughClientErrors, Upstreams } from '../upstreams.js';
import { OrderNotFoundError } from './orders.errors.js';
import { type OrderStatus, type OrderView, type PublicOrderView } from '@refarch/contracts';

/** The parts of `GET /api/orders/:id/full` besides the order itself, by the names `degraded` lists. */
export type Part = 'user' | 'payment' | 'saga';

@Injectable()
export class OrdersService {
  constructor(
    private readonly upstreams: Upstreams,
    private readonly cache: Cache,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  private get orders() {
    return this.upstreams.client('order-service');
  }

  async create(caller: Caller, body: unknown, idempotencyKey: string | undefined) {
    try {
      const { body: created } = await this.orders.post<{ orderId: string; status: OrderStatus }>('/orders', body, {
        headers: forwardedAuth(caller),
        deadlineMs: this.config.UPSTREAM_TIMEOUT_MS,
        // The key makes the POST safe to retry (the order-service answers a replay with the same order).
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      });
      return created;
    } catch (error) {
      passThroughClientErrors(error);
    }
  }

  async list(caller: Caller, query: Record<string, string>) {
    try {
      const { body } = await this.orders.get<OrderView[]>('/orders', {
        headers: forwardedAuth(caller),
        query,
        deadlineMs: this.config.UPSTREAM_TIMEOUT_MS,
      });
      return body.map(publicView);
    } catch (error) {
      passThroughClientErrors(error);
    }
  }

  /** The caller's order; someone else's is a 404 exactly like a missing one (the order-service checks the owner). */
  async get(caller: Caller, orderId: string): Promise<OrderView> {
    try {
      const { body } = await this.orders.get<OrderView>(`/orders/${orderId}`, {
        headers: forwardedAuth(caller),
        deadlineMs: this.config.UPSTREAM_TIMEOUT_MS,
      });
      return body;
    } catch (error) {
      if (error instanceof HttpStatusError && error.upstreamStatus === 404) throw new OrderNotFoundError(orderId);
      passThroughClientErrors(error);
    }
  }

  /**
   * API composition: the order, its owner's profile, its payment and its saga steps. The order is required (it
   * proves ownership); each other part has COMPOSITION_TIMEOUT_MS and, when it fails, is `null` and named in
   * `degraded` — the answer stays a quick 200. A part that does not exist yet (no payment) is `null`, not degraded.
   */
  async full(caller: Caller, orderId: string) {
    const order = await this.get(caller, orderId);
    const deadlineMs = this.config.COMPOSITION_TIMEOUT_MS;
    const degraded: Part[] = [];
    const part = async <T>(name: Part, load: () => Promise<T>): Promise<T | null> => {
      try {
        return await load();
      } catch (error) {
        if (error instanceof HttpStatusError && error.upstreamStatus === 404) return null;
        degraded.push(name);
        return null;
      }
    };
    const [user, payment, saga] = await Promise.all([
      part('user', () =>
        this.cache.getOrLoad('profile', profileKey(order.userId), this.config.PROFILE_CACHE_TTL_SECONDS, async () => {
          const { body } = await this.upstreams
            .client('user-service')
            .get<Record<string, unknown>>(`/internal/users/${order.userId}`, { deadlineMs });
          return body;
        }),
      ),
      part('payment', async () => {
        const { body } = await this.upstreams
          .client('payment-service')
          .get<Record<string, unknown>>(`/payments/${orderId}`, { deadlineMs });
        return body;
      }),
      part('saga', async () => {
        const { body } = await this.upstreams.client('saga-orchestrator').get<SagaView>(`/admin/sagas/${orderId}`, {
          deadlineMs,
          headers: this.upstreams.adminHeaders(),
        });
        return { state: body.state, reason: body.reason, waiting: body.waiting, steps: body.history };
      }),
    ]);
    return { order: publicView(order), user, payment, saga, degraded: degraded.sort() };
  }
}

interface SagaView {
  state: string;
  reason: string | null;
  waiting: unknown;
  history: { from: string | null; to: string; detail: string | null; at: string }[];
}

/** §5's order shape: the owner is implied by the token, so `userId` is not repeated. */
export function publicView(order: OrderView): PublicOrderView {
  const { userId: _userId, ...rest } = order;
  return rest;
}
