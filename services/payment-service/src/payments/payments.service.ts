import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@refarch/observability';
import { Counter, type Registry } from 'prom-client';
import { PAYMENT_CONFIG, type PaymentServiceConfig } from '../config.js';
import { PaymentDeclinedError, PaymentNotFoundError } from './payment.errors.js';
import type { PaymentView } from './payments.dto.js';
import { PaymentsRepository } from './payments.repository.js';

@Injectable()
export class PaymentsService {
  private readonly payments: Counter<'outcome'>;

  constructor(
    private readonly repository: PaymentsRepository,
    @Inject(PAYMENT_CONFIG) private readonly config: PaymentServiceConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.payments = new Counter({
      name: 'payments_total',
      help: 'Payment operations by outcome (authorized, declined, replayed, captured, voided, refunded)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  /** The documented decline rule: above PAYMENT_LIMIT_CENTS, declined. Replays answer as the first call did. */
  async authorize(input: { orderId: string; userId: string; amountCents: number }) {
    const decision =
      input.amountCents > this.config.PAYMENT_LIMIT_CENTS
        ? ({ declined: true, reason: `limit exceeded (${this.config.PAYMENT_LIMIT_CENTS} cents)` } as const)
        : ({ declined: false } as const);
    const { payment, created } = await this.repository.authorize(input, decision);
    this.payments.inc({ outcome: created ? (payment.status === 'DECLINED' ? 'declined' : 'authorized') : 'replayed' });
    if (payment.status === 'DECLINED')
      throw new PaymentDeclinedError(payment.orderId, payment.reason ?? 'declined', payment.paymentId);
    return { payment, created };
  }

  async get(orderId: string): Promise<PaymentView> {
    const payment = await this.repository.find(orderId);
    if (!payment) throw new PaymentNotFoundError(orderId);
    return payment;
  }

  capture(orderId: string) {
    return this.transition(orderId, 'CAPTURED', 'captured');
  }

  void(orderId: string) {
    return this.transition(orderId, 'VOIDED', 'voided');
  }

  refund(orderId: string) {
    return this.transition(orderId, 'REFUNDED', 'refunded');
  }

  private async transition(
    orderId: string,
    to: 'CAPTURED' | 'VOIDED' | 'REFUNDED',
    outcome: string,
  ): Promise<PaymentView> {
    const { payment, changed } = await this.repository.transition(orderId, to);
    if (changed) this.payments.inc({ outcome });
    return payment;
  }
}
