import { Module } from '@nestjs/common';
import { CatalogClient } from './catalog.client.js';
import { LedgerController } from './ledger.controller.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';

@Module({ controllers: [OrdersController, LedgerController], providers: [OrdersService, CatalogClient] })
export class OrdersModule {}
