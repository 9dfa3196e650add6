import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import { loadConfig, serviceEnv } from '@refarch/config';
import { HealthModule } from '@refarch/health';
import { HttpClients } from '@refarch/resilience';
import { startTestService, type TestService } from '@refarch/testing';
import { Access, createService } from '../src/index.js';

const ADMIN = 'admin-token-for-tests-0123456789';
let downstreamUrl = '';

// Open to anyone: these tests are about the platform's other defaults (identity.spec.ts is about callers).
@Controller()
@Access('public')
class ShopController {
  constructor(private readonly clients: HttpClients) {}

  @Get('shop')
  shop() {
    return { ok: true };
  }

  @Get('slow')
  async slow() {
    await new Promise((r) => setTimeout(r, 1_000));
    return { late: true };
  }

  @Get('chain')
  async chain() {
    const res = await this.clients.create('downstream', downstreamUrl).get<{ deadline: string }>('/echo');
    return res.body;
  }
}

@Module({ imports: [HealthModule.forRoot({ useFactory: () => [] })], controllers: [ShopController] })
class ShopModule {}

const start = (env: Record<string, string>) => {
  const config = loadConfig(serviceEnv, { PORT: '0', LOG_LEVEL: 'warn', ...env });
  return startTestService((o) =>
    createService(ShopModule, { name: 'shop', config: { ...config, ...o.config }, logDestination: o.logDestination }),
  );
};

async function call(base: string, path: string, init: RequestInit = {}) {
  const started = Date.now();
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    body: /json/.test(type) ? JSON.parse(text) : text,
    ms: Date.now() - started,
    type,
  };
}

describe('deadlines through a service', () => {
  let svc: TestService;
  let downstream: http.Server;
  const seen: (string | undefined)[] = [];
  beforeAll(async () => {
    downstream = http.createServer((req, res) => {
      seen.push(req.headers['x-deadline-ms'] as string | undefined);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ deadline: req.headers['x-deadline-ms'] }));
    });
    await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
    svc = await start({});
  });
  afterAll(async () => {
    await svc.close();
    await new Promise((r) => downstream.close(r));
  });

  it('answers 504 at the deadline the caller sent, not when the handler finishes', async () => {
    const res = await call(svc.url, '/slow', { headers: { 'x-deadline-ms': '150' } });
    expect(res.status).toBe(504);
    expect(res.body.code).toBe('REQUEST.DEADLINE_EXCEEDED');
    expect(res.ms).toBeLessThan(1_000);
  });

  it('answers 504 at once when the budget is already spent', async () => {
    const res = await call(svc.url, '/shop', { headers: { 'x-deadline-ms': '0' } });
    expect(res.status).toBe(504);
  });

  it('passes the remaining budget downstream', async () => {
    const res = await call(svc.url, '/chain', { headers: { 'x-deadline-ms': '800' } });
    expect(res.status).toBe(200);
    const forwarded = Number(res.body.deadline);
    expect(forwarded).toBeGreaterThan(500);
    expect(forwarded).toBeLessThanOrEqual(800);
    const without = await call(svc.url, '/chain');
    expect(without.body.deadline).toBeUndefined();
  });

  it('lists its breakers at /admin/breakers only with the admin token', async () => {
    const denied = await call(svc.url, '/admin/breakers');
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('ADMIN.DISABLED');
  });
});

describe('fault injection', () => {
  let svc: TestService;
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const setFaults = (body: unknown, headers: Record<string, string> = admin) =>
    call(svc.url, '/admin/faults', { method: 'PUT', headers, body: JSON.stringify(body) });

  beforeAll(async () => {
    svc = await start({ ADMIN_TOKEN: ADMIN });
  });
  afterAll(() => svc.close());

  it('starts from the environment defaults (off)', async () => {
    expect((await call(svc.url, '/admin/faults', { headers: admin })).body).toEqual({
      mode: 'off',
      errorRate: 1,
      latencyMs: 1_000,
    });
    expect((await call(svc.url, '/shop')).status).toBe(200);
  });

  it('requires the admin token', async () => {
    expect((await setFaults({ mode: 'error' }, { 'content-type': 'application/json' })).status).toBe(401);
    expect(
      (await setFaults({ mode: 'error' }, { ...admin, authorization: 'Bearer wrong-token-wrong-token!!' })).status,
    ).toBe(401);
    expect((await call(svc.url, '/shop')).status).toBe(200);
  });

  it('rejects invalid settings with 400 problem+json naming the field', async () => {
    for (const [body, field] of [
      [{ mode: 'explode' }, 'mode'],
      [{ mode: 'error', errorRate: 2 }, 'errorRate'],
      [{ mode: 'latency', latencyMs: -5 }, 'latencyMs'],
      [{ mode: 'error', extra: true }, 'extra'],
      [{}, 'mode'],
    ] as const) {
      const res = await setFaults(body);
      expect(res.status).toBe(400);
      expect(res.type).toMatch(/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field).join()).toContain(field);
    }
  });

  it('error mode fails business routes with 503 and leaves health, metrics and admin alone', async () => {
    expect((await setFaults({ mode: 'error', errorRate: 1 })).status).toBe(200);
    const res = await call(svc.url, '/shop');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('FAULT.INJECTED');
    for (const path of ['/health/live', '/health/ready', '/metrics'])
      expect((await call(svc.url, path)).status).toBe(200);
    expect((await call(svc.url, '/admin/breakers', { headers: admin })).status).toBe(200);
  });

  it('errorRate 0 affects nothing', async () => {
    await setFaults({ mode: 'error', errorRate: 0 });
    for (let i = 0; i < 20; i++) expect((await call(svc.url, '/shop')).status).toBe(200);
  });

  it('latency mode delays business routes only', async () => {
    await setFaults({ mode: 'latency', latencyMs: 300 });
    const slow = await call(svc.url, '/shop');
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(290);
    expect((await call(svc.url, '/health/live')).ms).toBeLessThan(200);
  });

  it('hang mode holds requests until faults are switched off, then answers 503', async () => {
    await setFaults({ mode: 'hang' });
    let settled = false;
    const hung = call(svc.url, '/shop').then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    expect((await call(svc.url, '/health/live')).status).toBe(200);
    await setFaults({ mode: 'off' });
    expect((await hung).status).toBe(503);
    expect((await call(svc.url, '/shop')).status).toBe(200);
  });

  it('does not let hung requests block shutdown', async () => {
    const other = await start({ ADMIN_TOKEN: ADMIN, FAULT_MODE: 'hang' });
    const hung = call(other.url, '/shop').catch(() => ({ status: 0 }));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await hung).status).toBe(503);
  });
});
