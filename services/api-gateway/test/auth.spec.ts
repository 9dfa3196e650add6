import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { requireInfra } from '@refarch/testing';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import {
  bearer,
  call,
  cleanNamespace,
  startGateway,
  startStubs,
  stopStubs,
  TokenIssuer,
  type GatewayUnderTest,
  type Stubs,
} from './harness.js';

const infra = await requireInfra('api-gateway auth', 'redis', 'rabbitmq');

(infra ? describe : describe.skip)('api-gateway: access tokens', () => {
  let issuer: TokenIssuer;
  let stubs: Stubs;
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    issuer = await TokenIssuer.create();
    stubs = await startStubs(issuer);
    stubs['user-service'].on((r) =>
      r.path.startsWith('/internal/users/')
        ? { status: 200, body: { id: r.path.split('/').pop(), email: 'a@b.c', name: 'A' } }
        : undefined,
    );
    gateway = await startGateway(infra!, stubs, { JWT_CLOCK_SKEW_SECONDS: '5' });
  });
  afterAll(async () => {
    await gateway.close();
    await stopStubs(stubs);
    await cleanNamespace(infra!, gateway.namespace);
  });

  const me = (headers: Record<string, string>) => call(gateway.url, 'GET', '/api/users/me', undefined, headers);

  it('accepts a valid token and passes the caller on', async () => {
    const res = await me(bearer(await issuer.sign('user-1')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'user-1' });
  });

  it('rejects forged, expired and misaddressed tokens with 401 problem+json', async () => {
    const valid = await issuer.sign('user-1');
    const [head, payload, signature] = valid.split('.');
    const elevated = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'someone-else' }),
    ).toString('base64url');
    const otherKey = (await generateKeyPair('ES256')).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, string> = {
      'alg none': new UnsecuredJWT({ role: 'admin' })
        .setIssuer('refarch-user-service')
        .setAudience('refarch')
        .setSubject('user-1')
        .setIssuedAt()
        .setExpirationTime('10m')
        .encode(),
      'signed with another key': await issuer.sign('user-1', 'user', { key: otherKey }),
      'expired beyond the skew': await issuer.sign('user-1', 'user', { expiresIn: now - 30 }),
      'wrong audience': await issuer.sign('user-1', 'user', { audience: 'someone-else' }),
      'wrong issuer': await issuer.sign('user-1', 'user', { issuer: 'evil' }),
      'tampered payload': `${head}.${elevated}.${signature}`,
      'HS256 with the public key as secret': await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256', kid: 'test-1' })
        .setIssuer('refarch-user-service')
        .setAudience('refarch')
        .setSubject('user-1')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(JSON.stringify(issuer.jwks.keys[0]))),
      'not a JWT': 'abc',
    };
    for (const [label, token] of Object.entries(cases)) {
      const res = await me(bearer(token));
      expect({ label, status: res.status, code: res.body.code }).toEqual({
        label,
        status: 401,
        code: 'AUTH.INVALID_TOKEN',
      });
      expect(res.type).toMatch(/problem\+json/);
    }
    expect((await me({})).status).toBe(401);
    expect((await me({ authorization: 'Basic dXNlcjpwYXNz' })).status).toBe(401);
  });

  it('allows a bounded clock skew: expired 2 s ago passes, 30 s ago does not', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await me(bearer(await issuer.sign('user-1', 'user', { expiresIn: now - 2 })))).status).toBe(200);
    expect((await me(bearer(await issuer.sign('user-1', 'user', { expiresIn: now - 30 })))).status).toBe(401);
  });

  it('stops accepting a token at its expiry, also after it was accepted (and remembered) before', async () => {
    const token = await issuer.sign('user-1', 'user', { expiresIn: '60s' });
    expect((await me(bearer(token))).status).toBe(200);
    expect((await me(bearer(token))).status).toBe(200);
    // 70 s later, for every clock reader (jose reads `new Date()`): only Date is faked, timers and I/O run for real.
    jest.useFakeTimers({
      now: Date.now() + 70_000,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    try {
      expect((await me(bearer(token))).status).toBe(401);
    } finally {
      jest.useRealTimers();
    }
  });

  it('picks up a rotated key: an unknown kid refetches the key set, at most once per cool-down', async () => {
    const next = await TokenIssuer.create('test-2');
    stubs['user-service'].on((r) =>
      r.path === '/.well-known/jwks.json'
        ? { status: 200, body: { keys: [...issuer.jwks.keys, ...next.jwks.keys] } }
        : undefined,
    );
    const fetches = () => stubs['user-service'].callsTo('GET', '/.well-known/jwks.json').length;
    const before = fetches();
    const token = await next.sign('user-2', 'user', { kid: 'test-2' });
    // Within 30 s of the last fetch, unknown kids are refused without asking the user-service each time.
    for (let i = 0; i < 5; i++) expect((await me(bearer(token))).status).toBe(401);
    expect(fetches()).toBe(before);
    const realNow = Date.now;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
    try {
      expect((await me(bearer(token))).status).toBe(200);
      expect(fetches()).toBe(before + 1);
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps the lab to admins: a user token gets 403, no token 401', async () => {
    expect(
      (await call(gateway.url, 'GET', '/api/lab/breakers', undefined, bearer(await issuer.sign('u')))).status,
    ).toBe(403);
    expect((await call(gateway.url, 'GET', '/api/lab/breakers')).status).toBe(401);
    const admin = await call(
      gateway.url,
      'GET',
      '/api/lab/breakers',
      undefined,
      bearer(await issuer.sign('a', 'admin')),
    );
    expect(admin.status).toBe(200);
  });
});
