import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '@refarch/admin';
import { ORDER_STORE, type OrderStore } from './order.js';

/** `GET /admin/ledger`: every order's status and total, for the saga invariants (npm run verify, docs/lab.md). */
@Controller('admin/ledger')
@UseGuards(AdminTokenGuard)
export class LedgerController {
  constructor(@Inject(ORDER_STORE) private readonly store: OrderStore) {}

  @Get()
  async ledger() {
    return { orders: await this.store.ledger() };
  }
}
