import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { runWithContext } from '@refarch/observability';
import { Registry } from 'prom-client';
import {
  AttemptTimeoutError,
  BreakerOpenError,
  BreakerRegistry,
  DeadlineExceededError,
  DEFAULT_BREAKER_OPTIONS,
  HttpClients,
  HttpStatusError,
  UpstreamUnavailableError,
} from '../src/index.js';

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A real HTTP server whose behaviour each test sets; it records requests and open sockets. */
describe('HttpClient against a real HTTP server', () => {
  let server: http.Server;
  let base: string;
  let behaviour: Behaviour = (_req, res) => res.end();
  const requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
  const sockets = new Set<Socket>();
  let registry: Registry;
  let breakers: BreakerRegistry;
  let clients: HttpClients;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers });
      behaviour(req, res);
    });
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  const fresh = (overrides = {}) => {
    registry = new Registry();
    breakers = new BreakerRegistry('caller', registry, { ...DEFAULT_BREAKER_OPTIONS, timeoutMs: 300, ...overrides });
    clients = new HttpClients(breakers, registry);
    requests.length = 0;
    return clients.create('dep', base, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  };
  afterEach(async () => {
    breakers.close();
    await clients.close();
  });

  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}): Behaviour =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };

  it('returns parsed JSON and propagates correlation id, trace, deadline and idempotency key', async () => {
    const client = fresh();
    behaviour = json(200, { hello: 'world' });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await runWithContext({ correlationId: 'corr-1', traceId, deadlineAt: Date.now() + 1_500 }, () =>
      client.post('/things?x=1', { a: 1 }, { idempotencyKey: 'key-1' }),
    );
    expect(res).toMatchObject({ status: 200, body: { hello: 'world' } });
    const seen = requests[0]!;
    expect(seen).toMatchObject({ method: 'POST', url: '/things?x=1' });
    expect(seen.headers['x-correlation-id']).toBe('corr-1');
    expect(seen.headers['traceparent']).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(seen.headers['idempotency-key']).toBe('key-1');
    const deadline = Number(seen.headers['x-deadline-ms']);
    expect(deadline).toBeGreaterThan(1_000);
    expect(deadline).toBeLessThanOrEqual(1_500);
  });

  it('cancels a hung call at the timeout: the socket is closed, nothing leaks', async () => {
    const client = fresh();
    let serverSawClose = false;
    behaviour = (req) => req.socket.once('close', () => (serverSawClose = true)); // never answers
    const started = Date.now();
    const error = await client.post('/hang', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttemptTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(serverSawClose).toBe(true);
    expect(requests).toHaveLength(1); // a POST without idempotency key is not retried
  });

  it('retries idempotent calls after a connection reset, not keyless POSTs', async () => {
    const client = fresh();
    behaviour = (req) => req.socket.destroy();
    const get = await client.get('/reset').catch((e: unknown) => e);
    expect(get).toBeInstanceOf(UpstreamUnavailableError);
    expect(requests).toHaveLength(3);
    requests.length = 0;
    await client.post('/reset', {}).catch(() => undefined);
    expect(requests).toHaveLength(1);
    requests.length = 0;
    await client.post('/reset', {}, { idempotencyKey: 'k' }).catch(() => undefined);
    expect(requests).toHaveLength(3);
  });

  it('does not retry a 4xx and reports it with the upstream status and body', async () => {
    const client = fresh();
    behaviour = json(409, { code: 'X.CONFLICT' });
    const error = (await client.get('/conflict').catch((e: unknown) => e)) as HttpStatusError;
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.upstreamStatus).toBe(409);
    expect(error.body).toEqual({ code: 'X.CONFLICT' });
    expect(requests).toHaveLength(1);
  });

  it('honours Retry-After of a 429', async () => {
    const client = fresh();
    let n = 0;
    behaviour = (req, res) =>
      n++ === 0 ? json(429, {}, { 'retry-after': '0' })(req, res) : json(200, { ok: true })(req, res);
    await expect(client.get('/limited')).resolves.toMatchObject({ status: 200 });
    expect(requests).toHaveLength(2);
  });

  it('opens the breaker under sustained failure: later calls fail fast without reaching the server', async () => {
    const client = fresh({ volumeThreshold: 5, errorThresholdPercentage: 50 });
    behaviour = json(500, { boom: true });
    for (let i = 0; i < 5; i++) await client.post('/fail', {}).catch(() => undefined);
    expect(breakers.get('dep').state).toBe('open');
    const before = requests.length;
    const error = await client.get('/fail').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(requests.length).toBe(before);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/circuit_breaker_state\{breaker="caller->dep"\} 2/);
  });

  it('never outlives the deadline: the last attempt is cut at it and the caller gets DeadlineExceeded', async () => {
    const client = fresh({ timeoutMs: 5_000 });
    behaviour = () => undefined; // hangs
    const started = Date.now();
    const error = await client.get('/slow', { deadlineMs: 200 }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(600);
  });

  it('counts retry outcomes per dependency', async () => {
    const client = fresh();
    behaviour = json(503, {});
    await client.get('/unavailable').catch(() => undefined);
    const text = await registry.metrics();
    expect(text).toMatch(/retry_attempts_total\{dependency="dep",outcome="retry"\} 2/);
    expect(text).toMatch(/retry_attempts_total\{dependency="dep",outcome="exhausted"\} 1/);
  });
});
