import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, MessageData } from '@refarch/contracts';
import { handleOnce, OnMessage } from '@refarch/messaging';
import { PG_POOL, type Pool } from '@refarch/postgres';
import { SAGA_CONFIG, type SagaConfig } from '../config.js';
import { SagaDriver } from './saga.driver.js';
import { SagaMetrics } from './saga.metrics.js';
import { SagaRepository } from './saga.repository.js';

const CONSUMER = 'saga-orchestrator';

/** The message edge: order-created starts a saga, shipping replies move one; each message applied once (inbox). */
@Injectable()
export class SagaHandlers {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly sagas: SagaRepository,
    private readonly driver: SagaDriver,
    private readonly metrics: SagaMetrics,
    @Inject(SAGA_CONFIG) private readonly config: SagaConfig,
  ) {}

  @OnMessage('orders.order-created.v1')
  async orderCreated(_data: unknown, envelope: Envelope<MessageData<'orders.order-created.v1'>>) {
    let started = false;
    const result = await handleOnce(this.pool, CONSUMER, envelope.id, async (client) => {
      started = await this.sagas.start(client, envelope, new Date(Date.now() + this.config.STEP_DEADLINE_MS));
    });
    if (started) {
      this.metrics.startedOne();
      this.driver.wake();
    }
    return result;
  }

  @OnMessage('shipping.shipment-created.v1')
  shipmentCreated(data: MessageData<'shipping.shipment-created.v1'>, envelope: Envelope) {
    return this.reply(envelope.id, data.orderId, { to: 'SHIPPED', detail: `shipment ${data.shipmentId} created` });
  }

  @OnMessage('shipping.shipment-failed.v1')
  shipmentFailed(data: MessageData<'shipping.shipment-failed.v1'>, envelope: Envelope) {
    const reason = `shipping failed: ${data.reason}`;
    return this.reply(envelope.id, data.orderId, { to: 'COMPENSATING', set: { reason }, detail: reason });
  }

  /** Cancellations confirm a compensation already counted as done when its command was sent. */
  @OnMessage('shipping.shipment-cancelled.v1')
  shipmentCancelled() {
    return Promise.resolve();
  }

  /** A reply moves a saga only while it awaits it; late or duplicate replies change nothing. */
  private async reply(messageId: string, orderId: string, change: Parameters<SagaRepository['transition']>[2]) {
    const result = await handleOnce(this.pool, CONSUMER, messageId, async (client) => {
      const { rows } = await client.query<{ id: string }>(`SELECT id FROM sagas WHERE order_id = $1`, [orderId]);
      if (rows[0]) await this.sagas.transition(rows[0].id, 'AWAITING_SHIPMENT', change, undefined, client);
    });
    this.driver.wake();
    return result;
  }
}
