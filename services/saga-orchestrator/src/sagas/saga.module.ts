import { Module } from '@nestjs/common';
import { Participants } from './participants.js';
import { SagaController } from './saga.controller.js';
import { SagaDriver } from './saga.driver.js';
import { SagaHandlers } from './saga.handlers.js';
import { SagaMetrics } from './saga.metrics.js';
import { SagaRepository } from './saga.repository.js';

@Module({
  controllers: [SagaController],
  providers: [SagaRepository, Participants, SagaDriver, SagaHandlers, SagaMetrics],
})
export class SagaModule {}
