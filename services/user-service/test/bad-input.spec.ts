import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireInfra, serviceAuth } from '@refarch/testing';
import { call, startUserService, type UserServiceUnderTest } from './harness.js';

const infra = await requireInfra('user-service bad-input sweep', 'postgres', 'rabbitmq');

const valid = { email: 'sweep@example.com', password: 'password123', name: 'Sweep' };
const bodies: [label: string, body: unknown, field?: string][] = [
  ['empty object', {}, 'email'],
  ['array', [valid]],
  ['string', '"hello"'],
  ['number', '42'],
  ['null', 'null'],
  ['malformed JSON', '{"email": '],
  ['extra field', { ...valid, role: 'admin' }, 'role'],
  ['email number', { ...valid, email: 42 }, 'email'],
  ['email object', { ...valid, email: { $ne: '' } }, 'email'],
  ['email not an email', { ...valid, email: 'not-an-email' }, 'email'],
  ['email too long', { ...valid, email: `${'a'.repeat(250)}@x.io` }, 'email'],
  ['password too short', { ...valid, password: 'short' }, 'password'],
  ['password too long', { ...valid, password: 'p'.repeat(10_000) }, 'password'],
  ['password array', { ...valid, password: ['password123'] }, 'password'],
  ['name empty', { ...valid, name: '   ' }, 'name'],
  ['name too long', { ...valid, name: 'n'.repeat(101) }, 'name'],
  ['name NUL byte', { ...valid, name: 'a\u0000b' }, 'name'],
  ['name control chars', { ...valid, name: 'a\u001bb' }, 'name'],
  ['name boolean', { ...valid, name: true }, 'name'],
  ['name very long (500k chars)', { ...valid, name: 'x'.repeat(500_000) }, 'name'],
  ['password very long (500k chars)', { ...valid, password: 'x'.repeat(500_000) }, 'password'],
  ['name lone surrogate', '{"email":"s@example.com","password":"password123","name":"\\ud800"}', 'name'],
  ['deep nesting', JSON.stringify(JSON.parse('['.repeat(500) + ']'.repeat(500)))],
  ['prototype pollution', '{"__proto__":{"admin":true},"email":"p@example.com","password":"password123","name":"P"}'],
];

(infra ? describe : describe.skip)('bad input never reaches a 5xx', () => {
  let svc: UserServiceUnderTest;
  beforeAll(async () => {
    svc = await startUserService(infra!.postgres, infra!.rabbitmq);
  });
  afterAll(() => svc.stop());

  for (const route of ['/auth/register', '/auth/login']) {
    for (const [label, registerBody, field] of bodies) {
      // Login takes no name: send the same case without it, so the targeted field is the only problem.
      const login = route === '/auth/login';
      if (login && label === 'password too short') continue; // any password may be tried at login (→ 401)
      const body =
        login &&
        typeof registerBody === 'object' &&
        registerBody !== null &&
        !Array.isArray(registerBody) &&
        !label.startsWith('name')
          ? Object.fromEntries(Object.entries(registerBody).filter(([k]) => k !== 'name'))
          : registerBody;
      it(`${route}: ${label}`, async () => {
        const res = await call(svc.url, 'POST', route, body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({
          type: expect.any(String),
          title: expect.any(String),
          status: res.status,
          code: expect.any(String),
        });
        if (field) {
          expect((res.body.errors as { field: string }[]).map((e) => e.field).join(',')).toContain(field);
        }
      });
    }
  }

  it('2 MB body → 413', async () => {
    const res = await call(svc.url, 'POST', '/auth/register', { ...valid, name: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('REQUEST.TOO_LARGE');
  });

  it('wrong content type → 4xx', async () => {
    const res = await fetch(`${svc.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<a/>',
    });
    expect(res.status).toBe(415);
  });

  it('PATCH /users/me and GET /internal/users/:id with bad input → 4xx', async () => {
    const noAuth = await call(svc.url, 'PATCH', '/users/me', { name: 'x' });
    expect(noAuth.status).toBe(401);
    await call(svc.url, 'POST', '/auth/register', valid);
    const token = (await call(svc.url, 'POST', '/auth/login', { email: valid.email, password: valid.password })).body
      .accessToken as string;
    for (const body of [{}, { name: '' }, { name: 1 }, { name: 'ok', email: 'x@y.z' }, '[]', '{']) {
      const res = await call(svc.url, 'PATCH', '/users/me', body, { authorization: `Bearer ${token}` });
      expect(res.status).toBe(400);
    }
    for (const id of ['1', "' OR 1=1 --", '%00', 'a'.repeat(5000), '00000000-0000-0000-0000-00000000000g']) {
      const res = await call(
        svc.url,
        'GET',
        `/internal/users/${encodeURIComponent(id)}`,
        undefined,
        await serviceAuth('user-service'),
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });
});
