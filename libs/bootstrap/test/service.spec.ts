import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Inject, Module, Param, Post } from '@nestjs/common';
import { loadConfig, serviceEnv } from '@refarch/config';
import { HealthModule } from '@refarch/health';
import { LOGGER, type Logger } from '@refarch/observability';
import { startTestService, type TestService } from '@refarch/testing';
import { z } from 'zod';
import { Access, createService, ZodDto } from '../src/index.js';

class OrderDto extends ZodDto(z.strictObject({ sku: z.string().min(1), quantity: z.number().int().positive() })) {}

let releaseSlow: () => void = () => undefined;

// Open to anyone: these tests are about the platform's other defaults (identity.spec.ts is about callers).
@Controller()
@Access('public')
class DemoController {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  @Post('orders')
  async create(@Body() body: OrderDto) {
    await new Promise((r) => setTimeout(r, 5));
    this.logger.info({ sku: body.sku }, 'order accepted');
    return body;
  }

  @Get('items/:id')
  item(@Param('id') id: string) {
    return { id };
  }

  @Get('boom')
  boom() {
    throw new Error('connection to 10.1.2.3 refused');
  }

  @Get('slow')
  async slow() {
    await new Promise<void>((resolve) => (releaseSlow = resolve));
    return { done: true };
  }
}

@Module({ imports: [HealthModule.forRoot({ useFactory: () => [] })], controllers: [DemoController] })
class DemoModule {}

const config = loadConfig(serviceEnv, { PORT: '0', LOG_LEVEL: 'info' });

const startDemo = () =>
  startTestService((o) =>
    createService(DemoModule, { name: 'demo', config: { ...config, ...o.config }, logDestination: o.logDestination }),
  );

describe('createService (platform defaults)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startDemo();
  });
  afterAll(() => svc.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${svc.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('validates bodies: unknown and mistyped fields are a 400 problem naming each field', async () => {
    const res = await post(JSON.stringify({ sku: 'A', quantity: '2', admin: true }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { code: string; errors: { field: string }[] };
    expect(body.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(body.errors.map((e) => e.field).sort()).toEqual(['admin', 'quantity']);
  });

  it('accepts a valid body', async () => {
    const res = await post(JSON.stringify({ sku: 'A', quantity: 2 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ sku: 'A', quantity: 2 });
  });

  it('rejects malformed JSON with 400 and a body over 1 MB with 413, both problem+json', async () => {
    const malformed = await post('{"sku":');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { code: string }).code).toBe('REQUEST.INVALID');
    const big = await post(JSON.stringify({ sku: 'x'.repeat(2 * 1024 * 1024), quantity: 1 }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe('REQUEST.TOO_LARGE');
  });

  it('answers a path parameter over the router limit with a short 414 problem', async () => {
    const res = await fetch(`${svc.url}/items/${'a'.repeat(5_000)}`);
    expect(res.status).toBe(414);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe('REQUEST.URI_TOO_LONG');
    expect(body.detail.length).toBeLessThanOrEqual(300);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await fetch(`${svc.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('HTTP.NOT_FOUND');
  });

  it('hides the text of an unexpected error and logs it with the correlation id', async () => {
    const res = await fetch(`${svc.url}/boom`, { headers: { 'x-correlation-id': 'boom-1' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('10.1.2.3');
    const logged = svc.logs.find((l) => l['msg'] === 'unhandled error');
    expect(logged).toMatchObject({ correlationId: 'boom-1', level: 'error' });
  });

  it('echoes the correlation id and stamps it on log lines written by handlers after awaits', async () => {
    const res = await post(JSON.stringify({ sku: 'corr', quantity: 1 }), { 'x-correlation-id': 'abc-123' });
    expect(res.headers.get('x-correlation-id')).toBe('abc-123');
    expect(svc.logs.find((l) => l['msg'] === 'order accepted' && l['sku'] === 'corr')).toMatchObject({
      correlationId: 'abc-123',
      service: 'demo',
    });
    const fresh = await fetch(`${svc.url}/items/1`);
    expect(fresh.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records the HTTP histogram by route template, not raw URL', async () => {
    await fetch(`${svc.url}/items/42`);
    await fetch(`${svc.url}/items/43`);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_server_request_duration_seconds_count\{[^}]*method="GET",route="\/items\/:id",status="200"\} [1-9]/,
    );
    expect(metrics).not.toContain('/items/42');
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it('serves liveness and readiness', async () => {
    expect((await fetch(`${svc.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${svc.url}/health/ready`);
    expect(ready.status).toBe(200);
  });
});

describe('graceful close', () => {
  it('finishes in-flight requests before it resolves, and refuses new ones meanwhile', async () => {
    const svc = await startDemo();
    const inFlight = fetch(`${svc.url}/slow`);
    await new Promise((r) => setTimeout(r, 50)); // the request is now inside the handler
    let closed = false;
    const closing = svc.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    const refused = await fetch(`${svc.url}/items/1`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(refused);
    releaseSlow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
    expect(closed).toBe(true);
  });
});
