import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module.js';
import { ProductsController } from './products.controller.js';

/** The product catalog with stock, cached in Redis and invalidated by stock events. */
@Module({
  imports: [OrdersModule],
  controllers: [ProductsController],
})
export class CatalogModule {}
