import { Module } from '@nestjs/common';
import { LedgerController } from './ledger.controller.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentsRepository } from './payments.repository.js';
import { PaymentsService } from './payments.service.js';

@Module({ controllers: [PaymentsController, LedgerController], providers: [PaymentsService, PaymentsRepository] })
export class PaymentsModule {}
