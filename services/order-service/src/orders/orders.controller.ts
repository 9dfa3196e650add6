import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Access, CurrentCaller, CurrentUser, ValidHeader, ZodValidationPipe, type Caller } from '@refarch/bootstrap';
import { CreateOrderDto, idempotencyKeySchema, ListQueryDto, orderIdSchema, RejectDto } from './orders.dto.js';
import { OrdersService, view } from './orders.service.js';

const OrderId = new ZodValidationPipe(orderIdSchema);

/**
 * Cluster-internal. A shopper's routes take the signed-in user from their own access token (the gateway forwards
 * it; this service verifies it against the user-service's JWKS); approve and reject are the saga's, with its
 * service credential (libs/bootstrap identity.ts).
 */
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** 202 `{orderId, status}`; a replay with the same Idempotency-Key and body gets the same answer. */
  @Post()
  @HttpCode(202)
  @Access('user')
  async create(
    @CurrentUser() { userId }: { userId: string },
    @ValidHeader('idempotency-key', idempotencyKeySchema.optional()) key: string | undefined,
    @Body() body: CreateOrderDto,
  ) {
    const { order } = await this.orders.create(userId, body.items, key);
    return { orderId: order.orderId, status: order.status };
  }

  @Get()
  @Access('user')
  async list(@CurrentUser() { userId }: { userId: string }, @Query() query: ListQueryDto) {
    return (await this.orders.list(userId, query.limit)).map(view);
  }

  /** For a user, someone else's order is a 404; a service (the saga, the gateway's composition) sees any. */
  @Get(':id')
  @Access('user-or-service')
  async get(@Param('id', OrderId) id: string, @CurrentCaller() caller: Caller) {
    return view(await this.orders.get(id, caller.kind === 'user' ? caller.userId : undefined));
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
