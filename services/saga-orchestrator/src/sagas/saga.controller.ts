import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { identifierSchema, ZodDto, ZodValidationPipe } from '@refarch/bootstrap';
import { ConflictError, NotFoundError } from '@refarch/errors';
import { AdminTokenGuard } from '@refarch/admin';
import { z } from 'zod';
import { SagaDriver } from './saga.driver.js';
import { SagaRepository } from './saga.repository.js';
import type { Saga } from './saga.js';

const STATES = [
  'STARTED',
  'PAYMENT_AUTHORIZED',
  'STOCK_RESERVED',
  'AWAITING_SHIPMENT',
  'SHIPPED',
  'PAYMENT_CAPTURED',
  'STOCK_COMMITTED',
  'APPROVED',
  'COMPENSATING',
  'REJECTED',
  'COMPENSATION_FAILED',
] as const;
class ListQuery extends ZodDto(
  z.strictObject({ state: z.enum(STATES).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
) {}
const OrderId = new ZodValidationPipe(identifierSchema);

const view = (s: Saga) => ({
  sagaId: s.id,
  orderId: s.orderId,
  state: s.state,
  reason: s.reason,
  waiting: s.waiting,
  attempts: s.attempts,
  nextAttemptAt: s.nextAttemptAt.toISOString(),
  stepDeadlineAt: s.stepDeadlineAt?.toISOString() ?? null,
  completed: {
    paymentAuthorized: s.paymentAuthorized,
    stockReserved: s.stockReserved,
    shipmentRequested: s.shipmentRequested,
  },
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

/** Admin API: watch sagas, and retry one parked as COMPENSATION_FAILED once its cause is fixed. */
@Controller('admin/sagas')
@UseGuards(AdminTokenGuard)
export class SagaController {
  constructor(
    private readonly sagas: SagaRepository,
    private readonly driver: SagaDriver,
  ) {}

  @Get()
  async list(@Query() query: ListQuery) {
    return (await this.sagas.list(query.state, query.limit)).map(view);
  }

  @Get(':orderId')
  async get(@Param('orderId', OrderId) orderId: string) {
    const saga = await this.sagas.findByOrder(orderId);
    if (!saga) throw new NotFoundError('SAGAS.NOT_FOUND', `No saga for order ${orderId}`);
    return { ...view(saga), history: await this.sagas.history(saga.id) };
  }

  @Post(':orderId/retry')
  @HttpCode(200)
  async retry(@Param('orderId', OrderId) orderId: string) {
    const saga = await this.sagas.findByOrder(orderId);
    if (!saga) throw new NotFoundError('SAGAS.NOT_FOUND', `No saga for order ${orderId}`);
    if (saga.state !== 'COMPENSATION_FAILED')
      throw new ConflictError(
        'SAGAS.NOT_PARKED',
        `Saga of order ${orderId} is ${saga.state}; only COMPENSATION_FAILED can be retried`,
      );
    const next = await this.sagas.transition(saga.id, 'COMPENSATION_FAILED', {
      to: 'COMPENSATING',
      detail: 'retried by an operator',
    });
    this.driver.wake();
    return view(next ?? saga);
  }
}
