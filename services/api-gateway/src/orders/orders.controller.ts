import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { identifierSchema, ValidHeader, ZodValidationPipe } from '@refarch/bootstrap';
import { z } from 'zod';
import { CurrentCaller, type GatewayRequest } from '../auth/auth.guard.js';
import type { Caller } from '../auth/jwks.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { OrderEvents, type OrderUpdate } from './order-events.js';
import { OrdersService, publicView } from './orders.service.js';
import { StreamSlots, type StreamEnd } from './stream-slots.js';

const OrderId = new ZodValidationPipe(identifierSchema);
const idempotencyKey = z.string().regex(/^[\x21-\x7e]{8,128}$/, 'must be 8–128 printable ASCII characters');
const listQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a number')
    .optional(),
});

interface RawReply {
  hijack(): void;
  getHeaders(): Record<string, string | number | string[] | undefined>;
  raw: import('node:http').ServerResponse;
}

const TERMINAL = new Set(['APPROVED', 'REJECTED']);
const RECONNECT_MS = 2_000;
const lastEventId = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1–200 printable ASCII characters');

@Controller('api/orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly events: OrderEvents,
    private readonly slots: StreamSlots,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** 202 `{orderId, status}`; the `Idempotency-Key` is passed on, so a replay gets the same order. */
  @Post()
  @HttpCode(202)
  create(
    @CurrentCaller() caller: Caller,
    @ValidHeader('idempotency-key', idempotencyKey.optional()) key: string | undefined,
    @Body() body: unknown,
  ) {
    return this.orders.create(caller, body ?? null, key);
  }

  @Get()
  list(@CurrentCaller() caller: Caller, @Query(new ZodValidationPipe(listQuery)) query: z.infer<typeof listQuery>) {
    return this.orders.list(caller, query.limit ? { limit: query.limit } : {});
  }

  @Get(':id')
  async get(@CurrentCaller() caller: Caller, @Param('id', OrderId) id: string) {
    return publicView(await this.orders.get(caller, id));
  }

  @Get(':id/full')
  full(@CurrentCaller() caller: Caller, @Param('id', OrderId) id: string) {
    return this.orders.full(caller, id);
  }

  /**
   * Server-sent events of one order: `status` (the current one first, then each change) and `step` (payment, stock,
   * shipping events, compensations flagged); a `: heartbeat` comment every SSE_HEARTBEAT_MS; the stream ends after
   * APPROVED or REJECTED. Ownership is checked before the stream opens (someone else's order: 404 problem+json).
   * What one caller can hold is bounded: SSE_MAX_STREAMS_PER_USER streams (429 `SSE.TOO_MANY_STREAMS`), a lifetime
   * of SSE_MAX_LIFETIME_MS (then it ends; the client reconnects, with `Last-Event-ID`, and gets the current status
   * first, so a terminal status reached meanwhile is never missed), and a client that stops reading is dropped
   * (SSE_WRITE_TIMEOUT_MS without a drain, or SSE_MAX_BUFFERED_BYTES queued).
   */
  @Get(':id/events')
  async stream(
    @CurrentCaller() caller: Caller,
    @Param('id', OrderId) id: string,
    // Accepted (and validated) so reconnecting clients are well-formed; the stream always restarts from a snapshot.
    @ValidHeader('last-event-id', lastEventId.optional()) _lastEventId: string | undefined,
    @Req() request: GatewayRequest & { raw: import('node:http').IncomingMessage },
    @Res() reply: RawReply,
  ) {
    // Subscribe before reading the snapshot: an update in between is then seen (duplicates are dropped below).
    const pending: OrderUpdate[] = [];
    let write: (update: OrderUpdate) => void = (update) => pending.push(update);
    const unsubscribe = this.events.subscribe(id, (update) => write(update));
    let order;
    let slot;
    try {
      order = await this.orders.get(caller, id);
      slot = await this.slots.acquire(caller.userId);
    } catch (error) {
      unsubscribe();
      throw error;
    }

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...reply.getHeaders(),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let lastStatus = order.status;
    let ended = false;
    let stalled: NodeJS.Timeout | undefined;
    const end = (reason: StreamEnd) => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      clearTimeout(stalled);
      unsubscribe();
      untrack();
      slot.release();
      this.slots.ended(reason);
      // A slow client's queue is dropped with its socket; everyone else gets a clean end of the stream.
      if (reason === 'slow_client') res.destroy();
      else if (!res.writableEnded) res.end();
    };
    /** Every write goes through here: a client that stops reading cannot make the gateway buffer without bound. */
    const push = (chunk: string) => {
      if (ended) return;
      if (res.write(chunk)) return;
      if (res.writableLength > this.config.SSE_MAX_BUFFERED_BYTES) {
        end('slow_client');
        return;
      }
      stalled ??= setTimeout(() => end('slow_client'), this.config.SSE_WRITE_TIMEOUT_MS);
    };
    res.on('drain', () => {
      clearTimeout(stalled);
      stalled = undefined;
    });
    const send = (event: string, data: unknown, eventId?: string) =>
      push(`${eventId ? `id: ${eventId}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const heartbeat = setInterval(() => push(': heartbeat\n\n'), this.config.SSE_HEARTBEAT_MS);
    const lifetime = setTimeout(() => {
      push(': lifetime reached; reconnect for the current status\n\n');
      end('lifetime');
    }, this.config.SSE_MAX_LIFETIME_MS);
    request.raw.on('close', () => end('client_closed'));
    const untrack = this.events.track(() => end('shutdown'));
    // The client may have gone while the snapshot was read: its 'close' has fired already.
    if (!res.socket || res.socket.destroyed) end('client_closed');

    // How soon a client reconnects after the stream ends (EventSource and fetch-event-source honour it).
    push(`retry: ${RECONNECT_MS}\n\n`);
    send('status', {
      orderId: id,
      status: order.status,
      ...(order.reason ? { reason: order.reason } : {}),
      at: order.updatedAt,
    });
    write = (update) => {
      if (update.kind === 'status') {
        if (update.status === lastStatus) return;
        lastStatus = update.status;
        send(
          'status',
          { orderId: id, status: update.status, ...(update.reason ? { reason: update.reason } : {}), at: update.at },
          update.id,
        );
        if (TERMINAL.has(update.status)) end('terminal');
        return;
      }
      const { kind: _kind, id: eventId, ...step } = update;
      send('step', step, eventId);
    };
    for (const update of pending.splice(0)) write(update);
    if (TERMINAL.has(lastStatus)) end('terminal');
  }
}
