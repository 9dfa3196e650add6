import { Controller, Get, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '@refarch/admin';
import { PaymentsRepository } from './payments.repository.js';

/** `GET /admin/ledger`: every payment, for the saga invariants (npm run verify, docs/lab.md). */
@Controller('admin/ledger')
@UseGuards(AdminTokenGuard)
export class LedgerController {
  constructor(private readonly repository: PaymentsRepository) {}

  @Get()
  async ledger() {
    return { payments: await this.repository.ledger() };
  }
}
