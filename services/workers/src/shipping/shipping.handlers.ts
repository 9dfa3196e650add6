import { Inject, Injectable } from '@nestjs/common';
import { SHIPPING_COMMANDS_QUEUE, type Envelope, type MessageData } from '@refarch/contracts';
import { handleOnce, OnMessage } from '@refarch/messaging';
import { METRICS_REGISTRY } from '@refarch/observability';
import { PG_POOL, type Pool } from '@refarch/postgres';
import { FaultInjector } from '@refarch/resilience';
import { Counter, type Registry } from 'prom-client';
import { ShippingRepository } from './shipping.repository.js';

/** The shipping worker's message edge: commands in, replies out through the outbox, each applied once (inbox). */
@Injectable()
export class ShippingHandlers {
  private readonly shipments: Counter<'outcome'>;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly repository: ShippingRepository,
    private readonly faults: FaultInjector,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.shipments = new Counter({
      name: 'shipments_total',
      help: 'Shipping commands handled, by outcome (created, exists, refused, cancelled, already, duplicate)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  @OnMessage('shipping.create-shipment.v1', { queue: SHIPPING_COMMANDS_QUEUE })
  async create(
    _data: MessageData<'shipping.create-shipment.v1'>,
    envelope: Envelope<MessageData<'shipping.create-shipment.v1'>>,
  ) {
    await this.faults.beforeWork();
    let outcome = 'duplicate';
    const result = await handleOnce(this.pool, 'shipping-worker', envelope.id, async (client) => {
      outcome = await this.repository.create(client, envelope);
    });
    this.shipments.inc({ outcome });
    return result;
  }

  @OnMessage('shipping.cancel-shipment.v1', { queue: SHIPPING_COMMANDS_QUEUE })
  async cancel(
    _data: MessageData<'shipping.cancel-shipment.v1'>,
    envelope: Envelope<MessageData<'shipping.cancel-shipment.v1'>>,
  ) {
    await this.faults.beforeWork();
    let outcome = 'duplicate';
    const result = await handleOnce(this.pool, 'shipping-worker', envelope.id, async (client) => {
      outcome = await this.repository.cancel(client, envelope);
    });
    this.shipments.inc({ outcome });
    return result;
  }
}
