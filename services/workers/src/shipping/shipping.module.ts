import { Module } from '@nestjs/common';
import { ShippingController } from './shipping.controller.js';
import { ShippingHandlers } from './shipping.handlers.js';
import { ShippingRepository } from './shipping.repository.js';

@Module({ controllers: [ShippingController, ShippingHandlers], providers: [ShippingRepository] })
export class ShippingModule {}
