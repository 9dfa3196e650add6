import { Controller, Get, Query } from '@nestjs/common';
import { ZodValidationPipe } from '@refarch/bootstrap';
import { z } from 'zod';
import { AnalyticsService } from './analytics.service.js';

const HOUR = 3_600_000;
/** The window: ISO times, `from` before `to`, at most 7 days; the last hour when both are left out. */
export const summaryQuerySchema = z
  .strictObject({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() })
  .transform(({ from, to }) => {
    const end = to ? new Date(to) : new Date();
    return { from: from ? new Date(from) : new Date(end.getTime() - HOUR), to: end };
  })
  .refine(({ from, to }) => from < to, { message: 'from must be before to', path: ['from'] })
  .refine(({ from, to }) => to.getTime() - from.getTime() <= 7 * 24 * HOUR, {
    message: 'the window is at most 7 days',
    path: ['from'],
  });

/** Cluster-internal: the gateway's admin `GET /api/analytics/summary` (and the Lab's charts) read it. */
@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly service: AnalyticsService) {}

  @Get('summary')
  summary(@Query(new ZodValidationPipe(summaryQuerySchema)) query: z.output<typeof summaryQuerySchema>) {
    return this.service.summary(query.from, query.to);
  }
}
