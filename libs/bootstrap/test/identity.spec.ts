import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import { ConfigError, loadConfig, serviceEnv } from '@refarch/config';
import { HealthModule } from '@refarch/health';
import { HttpClients } from '@refarch/resilience';
import { serviceAuth, startTestIssuer, startTestService, type TestIssuer, type TestService } from '@refarch/testing';
import { SignJWT } from 'jose';
import { Access, createService, CurrentCaller, type Caller } from '../src/index.js';

/**
 * Who may call a service (libs/bootstrap identity.ts), on a demo service's own port: a route of each access level,
 * user tokens from a test issuer's JWKS, service credentials signed with the shared secret, and a second service
 * whose HTTP client sends its credential by itself.
 */
let upstreamUrl = '';

@Controller()
class DemoController {
  constructor(private readonly clients: HttpClients) {}

  @Get('open')
  @Access('public')
  open() {
    return { open: true };
  }

  @Get('internal')
  internal(@CurrentCaller() caller: Caller) {
    return caller;
  }

  @Get('mine')
  @Access('user')
  mine(@CurrentCaller() caller: Caller) {
    return caller;
  }

  @Get('either')
  @Access('user-or-service')
  either(@CurrentCaller() caller: Caller) {
    return caller;
  }

  /** Calls `demo`'s /internal with no credential of its own: the client adds the service credential. */
  @Get('relay')
  @Access('public')
  async relay() {
    return (await this.clients.create('demo', upstreamUrl).get('/internal')).body;
  }
}

@Module({ imports: [HealthModule.forRoot({ useFactory: () => [] })], controllers: [DemoController] })
class DemoModule {}

const start = (name: string, env: Record<string, string>) => {
  const config = loadConfig(serviceEnv, { PORT: '0', LOG_LEVEL: 'warn', ...env });
  return startTestService((o) =>
    createService(DemoModule, { name, config: { ...config, ...o.config }, logDestination: o.logDestination }),
  );
};

describe('callers of a service', () => {
  let issuer: TestIssuer;
  let other: TestIssuer;
  let demo: TestService;
  let relay: TestService;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    other = await startTestIssuer(); // a key the service does not know: a forgery
    demo = await start('demo', { JWKS_URL: issuer.jwksUrl });
    upstreamUrl = demo.url;
    relay = await start('relay', {});
  });
  afterAll(async () => {
    await relay?.close();
    await demo?.close();
    await issuer?.close();
    await other?.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${demo.url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('lets anyone call a public route, and the platform routes', async () => {
    expect((await get('/open')).status).toBe(200);
    expect((await get('/health/ready')).status).toBe(200);
    expect((await fetch(`${demo.url}/metrics`)).status).toBe(200);
  });

  it('refuses a request with no credential, or only an x-user-id header, with 401', async () => {
    for (const path of ['/internal', '/mine', '/either']) {
      expect(await get(path)).toMatchObject({ status: 401, body: { code: 'AUTH.UNAUTHORIZED' } });
      expect(await get(path, { 'x-user-id': 'someone-else' })).toMatchObject({ status: 401 });
    }
  });

  it('refuses forged, expired, other-audience, other-issuer and malformed user tokens with 401', async () => {
    const tokens = {
      forged: await other.token('u1'),
      expired: await issuer.token('u1', { expiresInSeconds: -60 }),
      'other audience': await issuer.token('u1', { audience: 'someone-else' }),
      'other issuer': await issuer.token('u1', { issuer: 'evil' }),
      unsigned: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u1","role":"user"}').toString('base64url')}.`,
      garbage: 'not.a.token',
    };
    for (const [what, token] of Object.entries(tokens)) {
      expect({ what, ...(await get('/mine', bearer(token))) }).toMatchObject({
        what,
        status: 401,
        body: { code: 'AUTH.INVALID_TOKEN' },
      });
    }
  });

  it('refuses service credentials for another service, signed with another secret, or expired, with 401', async () => {
    const credentials = {
      'for another service': await serviceAuth('payment-service'),
      'another secret': await serviceAuth('demo', { secret: 'not-the-secret-of-this-stack-0123456789' }),
      expired: await serviceAuth('demo', { expiresInSeconds: -60 }),
    };
    for (const [what, headers] of Object.entries(credentials)) {
      expect({ what, ...(await get('/internal', headers)) }).toMatchObject({
        what,
        status: 401,
        body: { code: 'AUTH.INVALID_TOKEN' },
      });
    }
    // An HMAC "signed" with the JWKS's public key material is not a user token either.
    const confused = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuer('refarch-user-service')
      .setAudience('refarch')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(issuer.jwksUrl));
    expect((await get('/mine', bearer(confused))).status).toBe(401);
  });

  it('takes the user from a valid token, and keeps users off service routes and services off user routes', async () => {
    const user = await issuer.auth('u1');
    expect(await get('/mine', user)).toEqual({ status: 200, body: { kind: 'user', userId: 'u1', role: 'user' } });
    expect(await get('/either', user)).toMatchObject({ status: 200, body: { userId: 'u1' } });
    expect(await get('/internal', user)).toMatchObject({ status: 403, body: { code: 'AUTH.FORBIDDEN' } });
    const service = await serviceAuth('demo', { caller: 'saga-orchestrator' });
    expect(await get('/internal', service)).toEqual({
      status: 200,
      body: { kind: 'service', service: 'saga-orchestrator' },
    });
    expect(await get('/either', service)).toMatchObject({ status: 200, body: { service: 'saga-orchestrator' } });
    expect(await get('/mine', service)).toMatchObject({ status: 403, body: { code: 'AUTH.FORBIDDEN' } });
  });

  it('remembers a verified credential only until it expires', async () => {
    const service = await serviceAuth('demo', { caller: 'saga-orchestrator', expiresInSeconds: 60 });
    expect((await get('/internal', service)).status).toBe(200);
    expect((await get('/internal', service)).status).toBe(200); // remembered
    // Only the clock moves (timers stay real, so the HTTP server still runs).
    jest.useFakeTimers({
      doNotFake: [
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'setImmediate',
        'clearImmediate',
        'nextTick',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    try {
      jest.setSystemTime(Date.now() + 120_000);
      expect(await get('/internal', service)).toMatchObject({ status: 401, body: { code: 'AUTH.INVALID_TOKEN' } });
    } finally {
      jest.useRealTimers();
    }
  });

  it('sends its own service credential on the calls it makes, for the called service only', async () => {
    const res = await fetch(`${relay.url}/relay`);
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 200,
      body: { kind: 'service', service: 'relay' },
    });
  });

  it('refuses user tokens when it has no JWKS_URL (a service that acts for no user)', async () => {
    const res = await fetch(`${relay.url}/mine`, { headers: await issuer.auth('u1') });
    expect(res.status).toBe(401);
  });

  it('will not start in production without SERVICE_TOKEN_SECRET', async () => {
    const config = loadConfig(serviceEnv, { PORT: '0', NODE_ENV: 'production' });
    await expect(createService(DemoModule, { name: 'demo', config })).rejects.toThrow(ConfigError);
    await expect(createService(DemoModule, { name: 'demo', config })).rejects.toThrow(/SERVICE_TOKEN_SECRET/);
  });
});
