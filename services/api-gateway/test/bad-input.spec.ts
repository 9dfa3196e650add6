import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireInfra } from '@refarch/testing';
import {
  bearer,
  call,
  cleanNamespace,
  problem,
  startGateway,
  startStubs,
  stopStubs,
  TokenIssuer,
  type GatewayUnderTest,
  type Stubs,
} from './harness.js';

const infra = await requireInfra('api-gateway bad input', 'redis', 'rabbitmq');

(infra ? describe : describe.skip)('api-gateway: bad input never gets a 5xx', () => {
  let stubs: Stubs;
  let gateway: GatewayUnderTest;
  let user: string;
  let admin: string;

  beforeAll(async () => {
    const issuer = await TokenIssuer.create();
    stubs = await startStubs(issuer);
    // The services validate what the gateway forwards: stand-ins answer like them (400 for a body they refuse).
    for (const stub of Object.values(stubs)) {
      stub.on((r) =>
        ['POST', 'PUT', 'PATCH'].includes(r.method) ? problem(400, 'REQUEST.VALIDATION_FAILED', 'invalid') : undefined,
      );
    }
    gateway = await startGateway(infra!, stubs, {
      BODY_LIMIT_BYTES: '65536',
      RATE_LIMIT_POINTS: '100000',
      RATE_LIMIT_ANONYMOUS_POINTS: '100000',
      LOGIN_ATTEMPTS_PER_ACCOUNT_IP: '100000',
      LOGIN_ATTEMPTS_PER_ACCOUNT: '100000',
    });
    user = await issuer.sign('sweeper');
    admin = await issuer.sign('root', 'admin');
  });
  afterAll(async () => {
    await gateway.close();
    await stopStubs(stubs);
    await cleanNamespace(infra!, gateway.namespace);
  });

  const routes: [string, string][] = [
    ['POST', '/api/auth/register'],
    ['POST', '/api/auth/login'],
    ['GET', '/api/users/me'],
    ['PATCH', '/api/users/me'],
    ['GET', '/api/products'],
    ['POST', '/api/orders'],
    ['GET', '/api/orders'],
    ['GET', '/api/orders/abc'],
    ['GET', '/api/orders/abc/full'],
    ['GET', '/api/orders/abc/events'],
    ['GET', '/api/lab/breakers'],
    ['GET', '/api/lab/faults'],
    ['PUT', '/api/lab/faults/payment-service'],
    ['POST', '/api/lab/restock'],
    ['POST', '/api/events'],
    ['GET', '/api/analytics/summary'],
  ];
  const bodies: [string, unknown][] = [
    ['malformed JSON', '{"email": '],
    ['JSON null', 'null'],
    ['array', [1, 2]],
    ['wrong types', { email: 5, password: [], items: 'x', mode: 7, errorRate: 'all', name: { a: 1 } }],
    ['huge', { name: 'x'.repeat(70_000) }],
    ['unicode junk', { email: '\ud800@x.y', password: '\u0000', items: [{ sku: '💥', quantity: -1 }] }],
  ];
  const headerSets: [string, Record<string, string>][] = [
    ['no auth', {}],
    ['user', bearer('placeholder')],
    ['admin', bearer('placeholder')],
    ['garbage bearer', { authorization: `Bearer ${'a'.repeat(5000)}` }],
    ['odd idempotency key', { 'idempotency-key': 'caf\u00e9 k\u00eby' }],
    ['text body type', { 'content-type': 'text/plain' }],
  ];

  it('answers every route × body × header combination with a 2xx/4xx problem, never a 5xx', async () => {
    const failures: string[] = [];
    let count = 0;
    for (const [method, path] of routes) {
      for (const [label, headers] of headerSets) {
        const h = label === 'user' ? bearer(user) : label === 'admin' ? bearer(admin) : headers;
        const payloads = method === 'GET' ? [['none', undefined] as [string, unknown]] : bodies;
        for (const [bodyLabel, body] of payloads) {
          const res = await call(gateway.url, method, path, body, h).catch((e: Error) => ({
            status: 599,
            body: e.message,
            type: '',
          }));
          count++;
          if (res.status >= 500)
            failures.push(
              `${method} ${path} [${label}, ${bodyLabel}] → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
            );
          else if (res.status >= 400 && !/problem\+json/.test(res.type))
            failures.push(`${method} ${path} [${label}, ${bodyLabel}] → ${res.status} not problem+json`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(200);
  });

  it('rejects odd paths and ids with 4xx before they reach a service', async () => {
    const before = stubs['order-service'].calls.length;
    for (const path of [
      '/api/orders/..%2F..%2Fadmin',
      '/api/orders/%00',
      `/api/orders/${'9'.repeat(300)}`,
      '/api/orders/a%20b/full',
    ]) {
      const res = await call(gateway.url, 'GET', path, undefined, bearer(user));
      expect({ path, status: res.status }).toEqual({
        path,
        status: res.status >= 400 && res.status < 500 ? res.status : -1,
      });
    }
    expect(stubs['order-service'].calls.length).toBe(before);
  });

  it('shows no internal error text or stack when a service fails', async () => {
    stubs['inventory-service'].on((r) =>
      r.path === '/products'
        ? { status: 500, body: { message: 'TypeError: secret at /srv/app.js:1', stack: 'at x' } }
        : undefined,
    );
    const res = await call(gateway.url, 'GET', '/api/products');
    expect(res.status).toBeGreaterThanOrEqual(500); // the service failed: not the client's fault
    expect(JSON.stringify(res.body)).not.toMatch(/secret|stack|app\.js|TypeError/);
    expect(res.body.code).toMatch(/^UPSTREAM\./);
  });

  it('sends security headers and CORS only for the configured origin', async () => {
    const allowed = await fetch(`${gateway.url}/api/products`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,idempotency-key',
      },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/idempotency-key/);
    const foreign = await fetch(`${gateway.url}/api/products`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('x-content-type-options')).toBe('nosniff');
    expect(foreign.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(foreign.headers.get('x-frame-options')).toBeTruthy();
    expect(foreign.headers.get('strict-transport-security')).toMatch(/max-age/);
  });
});
