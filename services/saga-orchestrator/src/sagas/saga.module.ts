import { Module } from '@nestjs/common';
import { Participants } from './participants.js';
import { SagaController } from './saga.controller.js';
import { SagaDriver } from './saga.driver.js';
import { SagaHandlers } from './saga.handlers.js';
import { SagaMetrics } from './saga.metrics.js';
import { SagaRepository } from './saga.repository.js';

@Module({
  controllers: [SagaController, SagaHandlers],
  providers: [SagaRepository, Participants, SagaDriver, SagaMetrics],
})
export class SagaModule {}
