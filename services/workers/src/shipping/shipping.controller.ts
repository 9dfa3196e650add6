import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '@refarch/admin';
import { identifierSchema, ZodValidationPipe } from '@refarch/bootstrap';
import { NotFoundError } from '@refarch/errors';
import { ShippingRepository } from './shipping.repository.js';

/** Read-only: the saga and the lab look up a shipment. */
@Controller('shipments')
export class ShippingController {
  constructor(private readonly repository: ShippingRepository) {}

  @Get(':orderId')
  async get(@Param('orderId', new ZodValidationPipe(identifierSchema)) id: string) {
    const shipment = await this.repository.find(id);
    if (!shipment) throw new NotFoundError('SHIPPING.NOT_FOUND', `No shipment for order ${id}`);
    return shipment;
  }
}

/** `GET /admin/ledger`: every shipment, for the saga invariants (npm run verify, docs/lab.md). */
@Controller('admin/ledger')
@UseGuards(AdminTokenGuard)
export class ShippingLedgerController {
  constructor(private readonly repository: ShippingRepository) {}

  @Get()
  async ledger() {
    return { shipments: await this.repository.ledger() };
  }
}
