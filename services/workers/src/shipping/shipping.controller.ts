import { Controller, Get, Param } from '@nestjs/common';
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
