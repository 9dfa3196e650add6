import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { MessageData } from '@refarch/contracts';
import { OnMessage, type MessageContext } from '@refarch/messaging';
import { AnalyticsService } from './analytics.service.js';

/**
 * The message edge, on the RabbitMQ transport: each handler runs in the inbox transaction (`context.transaction`),
 * so an event counts once, and it is acked after that transaction committed.
 */
@Controller()
export class AnalyticsHandlers {
  constructor(private readonly service: AnalyticsService) {}

  @OnMessage('shop.product-viewed.v1')
  onProductViewed(@Ctx() context: MessageContext) {
    return this.service.shopEvent(context, 'viewed');
  }

  @OnMessage('shop.cart-item-added.v1')
  onCartItemAdded(@Ctx() context: MessageContext) {
    return this.service.shopEvent(context, 'carted');
  }

  @OnMessage('shop.checkout-started.v1')
  onCheckoutStarted(@Ctx() context: MessageContext) {
    return this.service.shopEvent(context, 'checkout');
  }

  @OnMessage('orders.order-created.v1')
  onOrderCreated(@Payload() data: MessageData<'orders.order-created.v1'>, @Ctx() context: MessageContext) {
    return this.service.orderCreated(context, data);
  }

  @OnMessage('orders.order-approved.v1')
  onOrderApproved(@Payload() data: MessageData<'orders.order-approved.v1'>, @Ctx() context: MessageContext) {
    return this.service.orderApproved(context, data);
  }

  @OnMessage('orders.order-rejected.v1')
  onOrderRejected(@Payload() data: MessageData<'orders.order-rejected.v1'>, @Ctx() context: MessageContext) {
    return this.service.orderRejected(context, data);
  }
}
