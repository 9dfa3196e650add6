import { Module } from '@nestjs/common';
import { PaymentsController } from './payments.controller.js';
import { PaymentsRepository } from './payments.repository.js';
import { PaymentsService } from './payments.service.js';

@Module({ controllers: [PaymentsController], providers: [PaymentsService, PaymentsRepository] })
export class PaymentsModule {}
