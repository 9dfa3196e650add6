import { Controller, Delete, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import { NotFoundError } from '@refarch/errors';
import { AdminTokenGuard } from '@refarch/admin';
import { z } from 'zod';
import { ConsumerLifecycle } from './consumer-lifecycle.js';
import { DlqAdmin } from './dlq.js';

/** `/admin/dlq` (admin token): this service's consumer queues, and list, replay or purge one's dead letters. */
@Controller('admin/dlq')
@UseGuards(AdminTokenGuard)
export class DlqController {
  constructor(
    private readonly dlq: DlqAdmin,
    private readonly lifecycle: ConsumerLifecycle,
  ) {}

  private known(queue: string): string {
    if (!this.lifecycle.consumers.some((c) => c.queue === queue)) {
      throw new NotFoundError('MESSAGING.UNKNOWN_QUEUE', `This service consumes no queue named ${queue}`);
    }
    return queue;
  }

  @Get()
  queues() {
    return { queues: this.lifecycle.consumers.map((c) => c.queue) };
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
