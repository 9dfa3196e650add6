import { Controller, Get, Param } from '@nestjs/common';
import { ZodValidationPipe } from '@refarch/bootstrap';
import { NotFoundError } from '@refarch/errors';
import { z } from 'zod';
import { ShippingRepository } from './shipping.repository.js';

const orderId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits or . _ : -');

/** Read-only: the saga and the lab look up a shipment. */
@Controller('shipments')
export class ShippingController {
  constructor(private readonly repository: ShippingRepository) {}

  @Get(':orderId')
  async get(@Param('orderId', new ZodValidationPipe(orderId)) id: string) {
    const shipment = await this.repository.find(id);
    if (!shipment) throw new NotFoundError('SHIPPING.NOT_FOUND', `No shipment for order ${id}`);
    return shipment;
  }
}
