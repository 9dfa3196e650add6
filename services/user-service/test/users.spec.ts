import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exchangesFor } from '@refarch/messaging';
import { requireInfra, serviceAuth } from '@refarch/testing';
import amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { call, startUserService, type UserServiceUnderTest } from './harness.js';

const infra = await requireInfra('user-service API', 'postgres', 'rabbitmq');

(infra ? describe : describe.skip)('user-service over HTTP (real PostgreSQL)', () => {
  let svc: UserServiceUnderTest;
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(svc.url, method, path, body, headers);
  const login = async (email: string, password: string) =>
    (await api('POST', '/auth/login', { email, password })).body.accessToken as string;

  beforeAll(async () => {
    svc = await startUserService(infra!.postgres, infra!.rabbitmq, { ADMIN_EMAILS: 'Boss@Example.com' });
  });
  afterAll(() => svc.stop());

  it('registers with a normalised email and never returns the password or its hash', async () => {
    const res = await api('POST', '/auth/register', {
      email: '  Ann@Example.COM ',
      password: 'correct horse',
      name: ' Ann 🌷 ',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'ann@example.com',
      name: 'Ann 🌷',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/correct horse|argon2/);
  });

  it('stores an argon2id hash, not the password', async () => {
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: svc.db.url });
    await client.connect();
    const { rows } = await client.query<{ password_hash: string }>(
      `SELECT password_hash FROM users WHERE email = 'ann@example.com'`,
    );
    await client.end();
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('answers 409 for an email that is taken, whatever its case', async () => {
    const res = await api('POST', '/auth/register', {
      email: 'ANN@example.com',
      password: 'another pass',
      name: 'Other',
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'USERS.EMAIL_TAKEN', status: 409 });
  });

  it('lets exactly one of many concurrent registrations of one email succeed', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        api('POST', '/auth/register', { email: 'race@example.com', password: 'password1', name: 'R' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  });

  it('logs in with a pinned-algorithm JWT carrying iss, aud, sub and role, valid at most 15 minutes', async () => {
    const res = await api('POST', '/auth/login', { email: 'ann@example.com', password: 'correct horse' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    const jwks = (await api('GET', '/.well-known/jwks.json')).body;
    expect(decodeProtectedHeader(res.body.accessToken)).toMatchObject({ alg: 'ES256', kid: 'refarch-1' });
    const { payload } = await jwtVerify(res.body.accessToken, createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
      issuer: 'refarch-user-service',
      audience: 'refarch',
    });
    expect(payload).toMatchObject({ role: 'user', sub: expect.any(String) });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(900);
    expect(jwks.keys[0]).not.toHaveProperty('d'); // never the private part
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const wrongPassword = await api('POST', '/auth/login', { email: 'ann@example.com', password: 'wrong password' });
    const unknownEmail = await api('POST', '/auth/login', { email: 'nobody@example.com', password: 'correct horse' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    expect(strip(wrongPassword.body)).toEqual(strip(unknownEmail.body));
    expect(wrongPassword.body.code).toBe('AUTH.INVALID_CREDENTIALS');
  });

  it('reads and renames the profile of the token holder only', async () => {
    const token = await login('ann@example.com', 'correct horse');
    const me = await api('GET', '/users/me', undefined, { authorization: `Bearer ${token}` });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'ann@example.com', name: 'Ann 🌷', role: 'user' });
    const renamed = await api('PATCH', '/users/me', { name: 'Ann B.' }, { authorization: `Bearer ${token}` });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Ann B.');
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(me.body.updatedAt));
    const internal = await api('GET', `/internal/users/${me.body.id}`, undefined, await serviceAuth('user-service'));
    expect(internal.body).toMatchObject({ id: me.body.id, name: 'Ann B.' });
    // Another service's profile lookup: never with a user's token, never without a credential.
    expect(
      (await api('GET', `/internal/users/${me.body.id}`, undefined, { authorization: `Bearer ${token}` })).status,
    ).toBe(403);
    expect((await api('GET', `/internal/users/${me.body.id}`)).status).toBe(401);
  });

  it('refuses missing, malformed, tampered and foreign tokens with 401', async () => {
    const token = await login('ann@example.com', 'correct horse');
    const [h, p] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'admin' }),
    ).toString('base64url');
    const noneAlg = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    for (const authorization of [
      undefined,
      'Bearer',
      'Basic abc',
      'Bearer x.y.z',
      `Bearer ${h}.${forged}.${token.split('.')[2]}`,
      `Bearer ${noneAlg}`,
    ]) {
      const res = await api('GET', '/users/me', undefined, authorization ? { authorization } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('gives the admin role to accounts listed in ADMIN_EMAILS', async () => {
    await api('POST', '/auth/register', { email: 'boss@example.com', password: 'boss password', name: 'Boss' });
    const token = await login('boss@example.com', 'boss password');
    const me = await api('GET', '/users/me', undefined, { authorization: `Bearer ${token}` });
    expect(me.body.role).toBe('admin');
  });

  it('answers 404 for an unknown user id and 400 for a malformed one', async () => {
    const service = await serviceAuth('user-service');
    expect(
      (await api('GET', '/internal/users/00000000-0000-4000-8000-000000000000', undefined, service)).body,
    ).toMatchObject({
      status: 404,
      code: 'USERS.NOT_FOUND',
    });
    expect((await api('GET', '/internal/users/not-a-uuid', undefined, service)).body).toMatchObject({
      status: 400,
      errors: [{ field: 'path.id' }],
    });
  });

  it('publishes users.user-registered.v1 through the outbox, with the request correlation id; nothing for a failed registration', async () => {
    const connection = await amqp.connect(infra!.rabbitmq);
    const channel = await connection.createChannel();
    const queue = `test.user-registered.${randomBytes(4).toString('hex')}`;
    await channel.assertQueue(queue, { exclusive: true });
    // The service under test publishes in a namespace of its own (startOnTestDatabase), never on the shared exchange.
    await channel.bindQueue(queue, exchangesFor(svc.namespace).events, 'users.user-registered.v1');
    const email = `event-${randomBytes(3).toString('hex')}@example.com`;
    const res = await api(
      'POST',
      '/auth/register',
      { email, password: 'password123', name: 'Evt' },
      { 'x-correlation-id': 'reg-corr-1' },
    );
    expect(res.status).toBe(201);
    await api('POST', '/auth/register', { email, password: 'password123', name: 'Evt' }); // 409: no second event
    const mine: unknown[] = [];
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      const message = await channel.get(queue, { noAck: true });
      if (message) {
        const envelope = JSON.parse(message.content.toString()) as { data: { email: string } };
        if (envelope.data.email === email) mine.push(envelope);
      } else if (mine.length) {
        await new Promise((r) => setTimeout(r, 300));
        if (!(await channel.checkQueue(queue)).messageCount) break;
      } else await new Promise((r) => setTimeout(r, 50));
    }
    await connection.close();
    expect(mine).toEqual([
      expect.objectContaining({
        type: 'users.user-registered.v1',
        correlationId: 'reg-corr-1',
        data: { userId: res.body.id, email, name: 'Evt' },
      }),
    ]);
  });

  it('exposes the HTTP histogram by route template, not raw ids', async () => {
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_server_request_duration_seconds_bucket\{[^}]*route="\/internal\/users\/:id",status="404"/,
    );
    expect(metrics).not.toContain('00000000-0000-4000-8000-000000000000');
  });
});
