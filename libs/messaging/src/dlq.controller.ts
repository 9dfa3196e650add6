import { Controller, Delete, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '@refarch/admin';
import { NotFoundError } from '@refarch/errors';
import { z } from 'zod';
import { DlqAdmin } from './dlq.js';
import { RabbitMqTransport } from './transport/rabbitmq.transport.js';

/** `/admin/dlq` (admin token): this service's consumer queues, and list, replay or purge one's dead letters. */
@Controller('admin/dlq')
@UseGuards(AdminTokenGuard)
export class DlqController {
  constructor(
    private readonly dlq: DlqAdmin,
    private readonly transport: RabbitMqTransport,
  ) {}

  private known(queue: string): string {
    if (!this.transport.queues.includes(queue)) {
      throw new NotFoundError('MESSAGING.UNKNOWN_QUEUE', `This service consumes no queue named ${queue}`);
    }
    return queue;
  }

  @Get()
  queues() {
    return { queues: this.transport.queues };
  }

  @Get(':queue')
  list(@Param('queue') queue: string, @Query('limit') limit?: string) {
    const n = z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .catch(50)
      .parse(limit ?? 50);
    return this.dlq.list(this.known(queue), n);
  }

  @Post(':queue/replay')
  async replay(@Param('queue') queue: string) {
    return { replayed: await this.dlq.replay(this.known(queue)) };
  }

  @Delete(':queue')
  async purge(@Param('queue') queue: string) {
    return { purged: await this.dlq.purge(this.known(queue)) };
  }
}
