import { Body, Controller, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '@refarch/admin';
import { ZodValidationPipe } from '@refarch/bootstrap';
import { orderIdSchema, ReserveDto, RestockDto, skuSchema } from './inventory.dto.js';
import { InventoryService } from './inventory.service.js';

const OrderId = new ZodValidationPipe(orderIdSchema);

@Controller()
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Get('products')
  products() {
    return this.inventory.products();
  }

  @Get('products/:sku')
  product(@Param('sku', new ZodValidationPipe(skuSchema)) sku: string) {
    return this.inventory.product(sku);
  }

  /** 201 when this call reserved, 200 when the order already had this reservation (idempotent replay). */
  @Post('reservations')
  async reserve(@Body() body: ReserveDto, @Res({ passthrough: true }) reply: { code(status: number): unknown }) {
    const { reservation, created } = await this.inventory.reserve(body.orderId, body.items);
    reply.code(created ? 201 : 200);
    return reservation;
  }

  @Get('reservations/:orderId')
  reservation(@Param('orderId', OrderId) orderId: string) {
    return this.inventory.reservation(orderId);
  }

  @Post('reservations/:orderId/release')
  @HttpCode(200)
  release(@Param('orderId', OrderId) orderId: string) {
    return this.inventory.release(orderId);
  }

  @Post('reservations/:orderId/commit')
  @HttpCode(200)
  commit(@Param('orderId', OrderId) orderId: string) {
    return this.inventory.commit(orderId);
  }

  /** Puts stock in: `{add: N}` or `{to: N}`, optionally `skus` (the lab's restock; a load test sells out the seed). */
  @Post('admin/products/restock')
  @HttpCode(200)
  @UseGuards(AdminTokenGuard)
  restock(@Body() body: RestockDto) {
    return this.inventory.restock(body);
  }

  /** Per product: units put in, in stock, held and committed (npm run verify: stock + held + committed = put in). */
  @Get('admin/stock-ledger')
  @UseGuards(AdminTokenGuard)
  ledger() {
    return this.inventory.ledger();
  }

  /** Every reservation and the stock ledger, for the saga invariants (npm run verify, docs/lab.md). */
  @Get('admin/ledger')
  @UseGuards(AdminTokenGuard)
  async fullLedger() {
    const [reservations, stock] = await Promise.all([this.inventory.allReservations(), this.inventory.ledger()]);
    return { reservations, stock };
  }
}
