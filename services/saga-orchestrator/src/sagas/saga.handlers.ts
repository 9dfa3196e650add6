import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { Envelope, MessageData } from '@refarch/contracts';
import { OnMessage, type MessageContext } from '@refarch/messaging';
import { SAGA_CONFIG, type SagaConfig } from '../config.js';
import { SagaDriver } from './saga.driver.js';
import { SagaMetrics } from './saga.metrics.js';
import { SagaRepository } from './saga.repository.js';

/**
 * The message edge: order-created starts a saga, shipping replies move one. Each runs in the inbox transaction the
 * transport opened (`context.transaction`), so it is applied once; the driver is woken after the commit.
 */
@Controller()
export class SagaHandlers {
  constructor(
    private readonly sagas: SagaRepository,
    private readonly driver: SagaDriver,
    private readonly metrics: SagaMetrics,
    @Inject(SAGA_CONFIG) private readonly config: SagaConfig,
  ) {}

  @OnMessage('orders.order-created.v1')
  async orderCreated(@Ctx() context: MessageContext) {
    const envelope = context.envelope as Envelope<MessageData<'orders.order-created.v1'>>;
    const deadline = new Date(Date.now() + this.config.STEP_DEADLINE_MS);
    if (await this.sagas.start(context.transaction, envelope, deadline)) {
      context.afterCommit(() => {
        this.metrics.startedOne();
        this.driver.wake();
      });
    }
  }

  @OnMessage('shipping.shipment-created.v1')
  shipmentCreated(@Payload() data: MessageData<'shipping.shipment-created.v1'>, @Ctx() context: MessageContext) {
    return this.reply(context, data.orderId, { to: 'SHIPPED', detail: `shipment ${data.shipmentId} created` });
  }

  @OnMessage('shipping.shipment-failed.v1')
  shipmentFailed(@Payload() data: MessageData<'shipping.shipment-failed.v1'>, @Ctx() context: MessageContext) {
    const reason = `shipping failed: ${data.reason}`;
    return this.reply(context, data.orderId, { to: 'COMPENSATING', set: { reason }, detail: reason });
  }

  /** Cancellations confirm a compensation already counted as done when its command was sent. */
  @OnMessage('shipping.shipment-cancelled.v1')
  shipmentCancelled() {}

  /** A reply moves a saga only while it awaits it; late or duplicate replies change nothing. */
  private async reply(
    context: MessageContext,
    orderId: string,
    change: Parameters<SagaRepository['transition']>[2],
  ): Promise<void> {
    const client = context.transaction;
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM sagas WHERE order_id = $1`, [orderId]);
    if (rows[0]) await this.sagas.transition(rows[0].id, 'AWAITING_SHIPMENT', change, undefined, client);
    context.afterCommit(() => this.driver.wake());
  }
}
