import { Module } from '@nestjs/common';
import { LabController } from './lab.controller.js';

/** The Lab's API: the service list, breaker states and fault injection, forwarded to each service's admin API. */
@Module({
  controllers: [LabController],
})
export class LabModule {}
