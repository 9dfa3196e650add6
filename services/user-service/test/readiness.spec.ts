import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireInfra, startTcpProxy, type TcpProxy } from '@refarch/testing';
import { call, startUserService, type UserServiceUnderTest } from './harness.js';

const infra = await requireInfra('user-service readiness', 'postgres', 'rabbitmq');

(infra ? describe : describe.skip)('readiness follows PostgreSQL', () => {
  let svc: UserServiceUnderTest;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const server = new URL(infra!.postgres);
    proxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
    svc = await startUserService(infra!.postgres, infra!.rabbitmq, {}, (dbUrl) => {
      const url = new URL(dbUrl);
      url.hostname = proxy.host;
      url.port = String(proxy.port);
      return url.toString();
    });
  });
  afterAll(async () => {
    proxy.restore();
    await svc.stop();
    await proxy.close();
  });

  it('is ready while PostgreSQL answers', async () => {
    const ready = await call(svc.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.postgres.status).toBe('up');
  });

  it('answers 503 naming postgres when it is unreachable, while staying alive and answering requests that need it with 503 + Retry-After', async () => {
    proxy.cut();
    const ready = await call(svc.url, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.details.postgres.status).toBe('down');
    expect((await call(svc.url, 'GET', '/health/live')).status).toBe(200);
    const register = await call(svc.url, 'POST', '/auth/register', {
      email: 'down@example.com',
      password: 'password1',
      name: 'D',
    });
    // An outage, not a bug: 503 with Retry-After (it was a 500 before libs/errors recognised outages).
    expect(register.status).toBe(503);
    expect(register.body.code).toBe('SERVICE.DEPENDENCY_UNAVAILABLE');
    expect(register.headers.get('retry-after')).toBe('5');
    expect(register.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('is ready again once PostgreSQL is back', async () => {
    proxy.restore();
    const ready = await call(svc.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    const register = await call(svc.url, 'POST', '/auth/register', {
      email: 'back@example.com',
      password: 'password1',
      name: 'B',
    });
    expect(register.status).toBe(201);
  });
});
