import { Controller, Inject } from '@nestjs/common';
import { Ctx } from '@nestjs/microservices';
import { SHIPPING_COMMANDS_QUEUE, type Envelope, type MessageData } from '@refarch/contracts';
import { OnMessage, type MessageContext } from '@refarch/messaging';
import { METRICS_REGISTRY } from '@refarch/observability';
import { FaultInjector } from '@refarch/resilience';
import { Counter, type Registry } from 'prom-client';
import { ShippingRepository } from './shipping.repository.js';

/**
 * The shipping worker's message edge: commands in, replies out through the outbox. Each command runs in the inbox
 * transaction the transport opened (`context.transaction`), so it is applied once; redeliveries never reach it and
 * are counted in `messages_consumed_total{outcome="duplicate"}`.
 */
@Controller()
export class ShippingHandlers {
  private readonly shipments: Counter<'outcome'>;

  constructor(
    private readonly repository: ShippingRepository,
    private readonly faults: FaultInjector,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.shipments = new Counter({
      name: 'shipments_total',
      help: 'Shipping commands applied, by outcome (created, exists, refused, cancelled, already)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  @OnMessage('shipping.create-shipment.v1', { queue: SHIPPING_COMMANDS_QUEUE })
  async create(@Ctx() context: MessageContext) {
    await this.faults.beforeWork();
    const envelope = context.envelope as Envelope<MessageData<'shipping.create-shipment.v1'>>;
    const outcome = await this.repository.create(context.transaction, envelope);
    context.afterCommit(() => this.shipments.inc({ outcome }));
  }

  @OnMessage('shipping.cancel-shipment.v1', { queue: SHIPPING_COMMANDS_QUEUE })
  async cancel(@Ctx() context: MessageContext) {
    await this.faults.beforeWork();
    const envelope = context.envelope as Envelope<MessageData<'shipping.cancel-shipment.v1'>>;
    const outcome = await this.repository.cancel(context.transaction, envelope);
    context.afterCommit(() => this.shipments.inc({ outcome }));
  }
}
