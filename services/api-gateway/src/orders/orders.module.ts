import { Module } from '@nestjs/common';
import { OrderEvents } from './order-events.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';
import { StreamSlots } from './stream-slots.js';

/** Placing and reading orders, and their live event streams (SSE) fed from RabbitMQ. */
@Module({
  controllers: [OrdersController],
  providers: [OrdersService, OrderEvents, StreamSlots],
  exports: [OrderEvents],
})
export class OrdersModule {}
