import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { MessageData } from '@refarch/contracts';
import { OnMessage, type MessageContext } from '@refarch/messaging';
import { NotificationService } from './notification.service.js';

/**
 * The message edge, on the RabbitMQ transport: each handler runs in the inbox transaction (`context.transaction`),
 * so a message is applied once, and it is acked after that transaction committed. A failed send throws: the message
 * goes to the retry queues, then the DLQ.
 */
@Controller()
export class NotificationHandlers {
  constructor(private readonly service: NotificationService) {}

  @OnMessage('users.user-registered.v1')
  onUserRegistered(@Payload() data: MessageData<'users.user-registered.v1'>, @Ctx() context: MessageContext) {
    return this.service.userRegistered(context, data);
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
