import { Module } from '@nestjs/common';
import { ShippingController, ShippingLedgerController } from './shipping.controller.js';
import { ShippingHandlers } from './shipping.handlers.js';
import { ShippingRepository } from './shipping.repository.js';

@Module({
  controllers: [ShippingController, ShippingLedgerController, ShippingHandlers],
  providers: [ShippingRepository],
})
export class ShippingModule {}
