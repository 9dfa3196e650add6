import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { ZodValidationPipe } from '@refarch/bootstrap';
import { createEnvelope } from '@refarch/contracts';
import { DependencyUnavailableError } from '@refarch/errors';
import { BROKER, MessagePublisher, type AmqpConnectionManager } from '@refarch/messaging';
import { currentCorrelationId } from '@refarch/observability';
import { AdminOnly, Public, type GatewayRequest } from '../auth/auth.guard.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { passThroughClientErrors, Upstreams } from '../upstreams.js';
import { eventBatchSchema, type EventBatch } from './shop-events.js';

/**
 * The data pipeline's two public ends: ingestion of the shop's events (`POST /api/events`, anyone; rate-limited like
 * every route), and the analytics worker's aggregates for admins (`GET /api/analytics/summary`).
 */
@Controller('api')
export class AnalyticsController {
  constructor(
    private readonly upstreams: Upstreams,
    private readonly publisher: MessagePublisher,
    @Inject(BROKER) private readonly broker: AmqpConnectionManager,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * A batch is accepted (202) only once RabbitMQ confirmed every event; otherwise 503 with `Retry-After` and the
   * frontend sends it again (the events' ids make that harmless). A bad batch is a 400 naming each bad item.
   */
  @Post('events')
  @Public()
  @HttpCode(202)
  async ingest(@Body(new ZodValidationPipe(eventBatchSchema)) batch: EventBatch, @Req() request: GatewayRequest) {
    if (!this.broker.isConnected()) throw new DependencyUnavailableError('message broker');
    const userId = request.caller?.userId;
    const correlationId = currentCorrelationId() ?? batch.events[0]!.id;
    const envelopes = batch.events.map((event) =>
      createEnvelope(event.type, { ...event.data, ...(userId ? { userId } : {}) } as never, {
        correlationId,
        id: event.id,
        ...(event.at ? { occurredAt: new Date(event.at) } : {}),
      }),
    );
    try {
      await Promise.all(envelopes.map((envelope) => this.publisher.publish(envelope)));
    } catch (error) {
      throw new DependencyUnavailableError('message broker', error);
    }
    return { accepted: envelopes.length };
  }

  /** The analytics worker's per-minute aggregates of `[from, to)` (default: the last hour). */
  @Get('analytics/summary')
  @AdminOnly()
  async summary(@Query('from') from?: string, @Query('to') to?: string) {
    const query = new URLSearchParams({ ...(from ? { from } : {}), ...(to ? { to } : {}) }).toString();
    try {
      const { body } = await this.upstreams
        .client('analytics-worker')
        .get<unknown>(`/analytics/summary${query ? `?${query}` : ''}`, { deadlineMs: this.config.UPSTREAM_TIMEOUT_MS });
      return body;
    } catch (error) {
      passThroughClientErrors(error);
    }
  }
}
