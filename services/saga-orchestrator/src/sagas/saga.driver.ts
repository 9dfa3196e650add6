import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { createEnvelope, SHIPPING_COMMANDS_QUEUE } from '@refarch/contracts';
import {
  activeTraceparent,
  contextOf,
  inSpan,
  linkTo,
  LOGGER,
  runWithContext,
  runWithCorrelationId,
  SpanStatusCode,
  type Logger,
  type Span,
} from '@refarch/observability';
import { BreakerOpenError, backoffDelay, DEFAULT_BREAKER_OPTIONS } from '@refarch/resilience';
import { SAGA_CONFIG, type SagaConfig } from '../config.js';
import { BusinessFailure, Participants } from './participants.js';
import { SagaMetrics } from './saga.metrics.js';
import { SagaRepository, type Change } from './saga.repository.js';
import { BEFORE_PIVOT, TERMINAL, type Saga } from './saga.js';

const RETRY = { baseDelayMs: 250, maxDelayMs: 30_000, maxAttempts: Number.POSITIVE_INFINITY };

/**
 * Drives sagas: claims due ones under a lease (so two replicas never drive one saga), performs the next action of
 * each, and persists the resulting transition before the next action. Woken by new sagas and replies; polls too, which
 * is also how it resumes, after a crash, every saga whose lease expired.
 */
@Injectable()
export class SagaDriver implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly owner = randomUUID();
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(
    private readonly sagas: SagaRepository,
    private readonly participants: Participants,
    private readonly metrics: SagaMetrics,
    @Inject(SAGA_CONFIG) private readonly config: SagaConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown() {
    this.running = false;
    this.wake();
    await this.loop;
    await this.sagas.release(this.owner).catch(() => undefined);
  }

  wake() {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run() {
    while (this.running) {
      this.woken = false;
      let claimed = 0;
      try {
        const due = await this.sagas.claimDue(this.owner, this.config.LEASE_MS, 20);
        claimed = due.length;
        await Promise.all(
          due.map((saga) =>
            saga.traceId
              ? runWithContext({ correlationId: saga.correlationId, traceId: saga.traceId }, () => this.drive(saga))
              : runWithCorrelationId(saga.correlationId, () => this.drive(saga)),
          ),
        );
      } catch (error) {
        this.logger.warn({ err: error }, 'saga driver: cycle failed');
      }
      if (!this.running || claimed > 0 || this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.POLL_MS);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /**
   * Performs actions for one leased saga until it waits (reply, retry, parking) or ends, then releases it: in the
   * write that made it wait or end (one commit less per drive), or here when it stopped for another reason.
   */
  private async drive(start: Saga) {
    let saga: Saga | undefined = start;
    this.released.delete(start.id);
    try {
      for (
        let steps = 0;
        saga &&
        this.running &&
        steps < 20 &&
        !TERMINAL.includes(saga.state) &&
        saga.nextAttemptAt.getTime() <= Date.now();
        steps++
      ) {
        saga = await this.step(saga);
      }
    } finally {
      if (!this.released.delete(start.id)) await this.sagas.release(this.owner, [start.id]);
    }
  }

  /** Sagas being driven whose lease their last write ended already (see drive). */
  private readonly released = new Set<string>();

  private deadline() {
    return new Date(Date.now() + this.config.STEP_DEADLINE_MS);
  }

  /**
   * One action and its persisted outcome; returns the saga as it now is (undefined when it moved on elsewhere).
   * With tracing on, one span per step, attempt and compensation: a child of the span that started the saga, linked
   * to the step that parked or postponed it, with the order id, state, attempt and outcome as attributes.
   */
  private step(saga: Saga): Promise<Saga | undefined> {
    const compensating = saga.state === 'COMPENSATING';
    return inSpan(
      `saga ${compensating ? 'compensation' : 'step'} ${saga.state}`,
      {
        ...(saga.traceParent ? { parent: contextOf(saga.traceParent) } : {}),
        links: linkTo(saga.parkedBy, { 'saga.link': 'resumed_from' }),
        attributes: {
          'saga.order_id': saga.orderId,
          'saga.state': saga.state,
          'saga.attempt': saga.attempts + 1,
          'saga.compensation': compensating,
        },
      },
      async (span) => {
        let change: Change;
        try {
          change = await this.action(saga);
        } catch (error) {
          return this.failed(saga, error, span);
        }
        span.setAttribute('saga.outcome', change.to);
        return this.move(saga, change);
      },
    );
  }

  /** Persists `change` (if the saga is still where it was read and still ours) and counts a saga that ended. */
  private async move(saga: Saga, change: Change): Promise<Saga | undefined> {
    // The drive stops after this change when the saga ends or waits (for a reply): its lease ends with it.
    const stops = TERMINAL.includes(change.to) || (change.nextAttemptAt?.getTime() ?? 0) > Date.now();
    const next = await this.sagas.transition(saga.id, saga.state, change, this.owner, undefined, stops);
    if (next && stops) this.released.add(saga.id);
    if (next) this.metrics.ended(next);
    return next;
  }

  /** The next action of the state machine (docs/saga.md). */
  private async action(saga: Saga): Promise<Change> {
    switch (saga.state) {
      case 'STARTED':
        await this.participants.authorize(saga);
        return {
          to: 'PAYMENT_AUTHORIZED',
          set: { paymentAuthorized: true },
          stepDeadlineAt: this.deadline(),
          detail: 'payment authorized',
        };
      case 'PAYMENT_AUTHORIZED':
        await this.participants.reserve(saga);
        return {
          to: 'STOCK_RESERVED',
          set: { stockReserved: true },
          stepDeadlineAt: this.deadline(),
          detail: 'stock reserved',
        };
      case 'STOCK_RESERVED': {
        const deadline = this.deadline();
        const command = createEnvelope(
          'shipping.create-shipment.v1',
          {
            orderId: saga.orderId,
            userId: saga.userId,
            items: saga.items.map(({ sku, quantity }) => ({ sku, quantity })),
          },
          { correlationId: saga.correlationId },
        );
        // Waits for the reply event; if none arrives by the deadline, the driver comes back and compensates.
        return {
          to: 'AWAITING_SHIPMENT',
          set: { shipmentRequested: true },
          nextAttemptAt: deadline,
          stepDeadlineAt: deadline,
          command: { queue: SHIPPING_COMMANDS_QUEUE, envelope: command },
          detail: 'shipment requested',
        };
      }
      case 'AWAITING_SHIPMENT':
        return this.compensate('shipping did not answer before the step deadline');
      case 'SHIPPED':
        await this.participants.capture(saga);
        return { to: 'PAYMENT_CAPTURED', detail: 'payment captured' };
      case 'PAYMENT_CAPTURED':
        await this.participants.commitStock(saga);
        return { to: 'STOCK_COMMITTED', detail: 'stock committed' };
      case 'STOCK_COMMITTED':
        await this.participants.approve(saga);
        return { to: 'APPROVED', detail: 'order approved' };
      case 'COMPENSATING':
        return this.undo(saga);
      case 'APPROVED':
      case 'REJECTED':
      case 'COMPENSATION_FAILED':
        throw new Error(`saga ${saga.id} is terminal (${saga.state})`);
    }
  }

  private compensate(reason: string): Change {
    return { to: 'COMPENSATING', set: { reason }, detail: reason };
  }

  /** Compensation, in reverse order of the forward steps; the order is rejected last, with the saga's reason. */
  private async undo(saga: Saga): Promise<Change> {
    if (saga.shipmentRequested) {
      const cancel = createEnvelope(
        'shipping.cancel-shipment.v1',
        { orderId: saga.orderId, reason: saga.reason ?? 'saga compensated' },
        { correlationId: saga.correlationId },
      );
      return {
        to: 'COMPENSATING',
        set: { shipmentRequested: false },
        command: { queue: SHIPPING_COMMANDS_QUEUE, envelope: cancel },
        detail: 'shipment cancellation sent',
      };
    }
    if (saga.stockReserved) {
      await this.participants.releaseStock(saga);
      return { to: 'COMPENSATING', set: { stockReserved: false }, detail: 'stock released' };
    }
    if (saga.paymentAuthorized) {
      await this.participants.voidPayment(saga);
      return { to: 'COMPENSATING', set: { paymentAuthorized: false }, detail: 'payment voided' };
    }
    await this.participants.reject(saga, saga.reason ?? 'rejected');
    return { to: 'REJECTED', detail: `order rejected: ${saga.reason ?? ''}` };
  }

  /** A failed action: business → compensate; open breaker → park; otherwise retry with backoff, within bounds. */
  private async failed(saga: Saga, error: unknown, span: Span): Promise<Saga | undefined> {
    const message = error instanceof Error ? error.message : String(error);
    span.setAttribute('saga.error', message.slice(0, 300));
    if (error instanceof BusinessFailure && BEFORE_PIVOT.includes(saga.state)) {
      span.setAttribute('saga.outcome', 'COMPENSATING');
      return this.move(saga, this.compensate(error.reason));
    }
    span.setStatus({ code: SpanStatusCode.ERROR, message: message.slice(0, 300) });
    const pastDeadline = saga.stepDeadlineAt !== null && Date.now() >= saga.stepDeadlineAt.getTime();
    if (BEFORE_PIVOT.includes(saga.state) && pastDeadline) {
      span.setAttribute('saga.outcome', 'COMPENSATING');
      return this.move(saga, this.compensate(`${saga.state} step did not succeed before its deadline: ${message}`));
    }
    if (saga.state === 'COMPENSATING') {
      this.metrics.compensationFailure();
      if (saga.attempts + 1 >= this.config.MAX_COMPENSATION_ATTEMPTS) {
        this.logger.error(
          { orderId: saga.orderId, err: error },
          'compensation keeps failing: parked as COMPENSATION_FAILED',
        );
        span.setAttribute('saga.outcome', 'COMPENSATION_FAILED');
        return this.move(saga, { to: 'COMPENSATION_FAILED', detail: `compensation failed: ${message}` });
      }
    }
    // Parking: while a breaker is open, come back when it lets a probe through; no attempt is counted.
    if (error instanceof BreakerOpenError) {
      span.setAttribute('saga.outcome', 'parked');
      await this.sagas.postpone(
        saga.id,
        this.owner,
        new Date(Date.now() + DEFAULT_BREAKER_OPTIONS.resetTimeoutMs),
        `parked: ${message}`,
        false,
        activeTraceparent(),
      );
      this.released.add(saga.id);
      return undefined;
    }
    const delay = Math.max(RETRY.baseDelayMs / 2, backoffDelay(saga.attempts + 1, RETRY));
    span.setAttribute('saga.outcome', 'retry');
    await this.sagas.postpone(
      saga.id,
      this.owner,
      new Date(Date.now() + delay),
      `retrying: ${message}`,
      true,
      activeTraceparent(),
    );
    this.released.add(saga.id);
    return undefined;
  }
}
