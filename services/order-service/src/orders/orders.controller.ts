import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ValidHeader, ZodValidationPipe } from '@refarch/bootstrap';
import {
  CreateOrderDto,
  idempotencyKeySchema,
  ListQueryDto,
  orderIdSchema,
  RejectDto,
  userIdSchema,
} from './orders.dto.js';
import { OrdersService, view } from './orders.service.js';

const OrderId = new ZodValidationPipe(orderIdSchema);

/** Cluster-internal: the api-gateway authenticates the caller and passes `x-user-id`. */
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** 202 `{orderId, status}`; a replay with the same Idempotency-Key and body gets the same answer. */
  @Post()
  @HttpCode(202)
  async create(
    @ValidHeader('x-user-id', userIdSchema) userId: string,
    @ValidHeader('idempotency-key', idempotencyKeySchema.optional()) key: string | undefined,
    @Body() body: CreateOrderDto,
  ) {
    const { order } = await this.orders.create(userId, body.items, key);
    return { orderId: order.orderId, status: order.status };
  }

  @Get()
  async list(@ValidHeader('x-user-id', userIdSchema) userId: string, @Query() query: ListQueryDto) {
    return (await this.orders.list(userId, query.limit)).map(view);
  }

  /** With `x-user-id`, someone else's order is a 404. */
  @Get(':id')
  async get(@Param('id', OrderId) id: string, @ValidHeader('x-user-id', userIdSchema.optional()) userId?: string) {
    return view(await this.orders.get(id, userId));
  }

  @Post(':id/approve')
  @HttpCode(200)
  async approve(@Param('id', OrderId) id: string) {
    return view(await this.orders.approve(id));
  }

  @Post(':id/reject')
  @HttpCode(200)
  async reject(@Param('id', OrderId) id: string, @Body() body: RejectDto) {
    return view(await this.orders.reject(id, body.reason));
  }
}
