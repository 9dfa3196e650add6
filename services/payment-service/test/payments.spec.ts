import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { httpJson, requireInfra, serviceAuth, startTestIssuer, testPool } from '@refarch/testing';
import pg from 'pg';
import { call, startPaymentService, type PaymentUnderTest } from './harness.js';

const infra = await requireInfra('payment-service', 'postgres', 'rabbitmq');

(infra ? describe : describe.skip)('payment-service over HTTP (real PostgreSQL and RabbitMQ)', () => {
  let svc: PaymentUnderTest;
  let db: pg.Pool;
  const api = (method: string, path: string, body?: unknown) => call(svc.url, method, path, body);
  const authorize = (orderId: string, amountCents: number, userId = 'user-1') =>
    api('POST', '/payments/authorize', { orderId, userId, amountCents });
  const events = async (orderId: string) =>
    (
      await db.query<{ type: string }>(`SELECT type FROM outbox WHERE envelope->'data'->>'orderId' = $1 ORDER BY seq`, [
        orderId,
      ])
    ).rows.map((r) => r.type);

  beforeAll(async () => {
    svc = await startPaymentService(infra!.postgres, infra!.rabbitmq);
    db = testPool(svc.db.url);
  });
  afterAll(async () => {
    await db.end();
    await svc.stop();
  });

  it('takes calls from services only: no credential, a forged or misaddressed one, or a user token is 401', async () => {
    const issuer = await startTestIssuer();
    try {
      const body = { orderId: 'identity-1', userId: 'user-1', amountCents: 100 };
      for (const [what, headers] of [
        ['nothing', {}],
        ['x-user-id', { 'x-user-id': 'user-1' }],
        [
          'another secret',
          await serviceAuth('payment-service', { secret: 'forged-secret-forged-secret-forged-secret' }),
        ],
        ['for another service', await serviceAuth('inventory-service')],
        ['a user token', await issuer.auth('user-1')],
      ] as const) {
        const res = await httpJson(svc.url, 'POST', '/payments/authorize', body, headers);
        expect({ what, status: res.status, code: res.body.code }).toMatchObject({ what, status: 401 });
      }
      expect(await events('identity-1')).toEqual([]);
      expect((await authorize('identity-1', 100)).status).toBe(201);
    } finally {
      await issuer.close();
    }
  });

  it('authorizes, then captures once; repeating either is a no-op with no second event', async () => {
    const first = await authorize('o-1', 2_599);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ orderId: 'o-1', userId: 'user-1', amountCents: 2_599, status: 'AUTHORIZED' });
    const replay = await authorize('o-1', 2_599);
    expect(replay.status).toBe(200);
    expect(replay.body.paymentId).toBe(first.body.paymentId);
    expect((await api('POST', '/payments/o-1/capture')).body.status).toBe('CAPTURED');
    expect((await api('POST', '/payments/o-1/capture')).status).toBe(200);
    expect(await events('o-1')).toEqual(['payments.payment-authorized.v1', 'payments.payment-captured.v1']);
    expect((await api('GET', '/payments/o-1')).body.status).toBe('CAPTURED');
  });

  it('declines above the documented limit with 402, records it, and answers replays the same way', async () => {
    const declined = await authorize('o-big', 50_001);
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ code: 'PAYMENTS.DECLINED', reason: expect.stringMatching(/limit exceeded/) });
    expect((await authorize('o-big', 50_001)).status).toBe(402);
    expect((await authorize('o-limit', 50_000)).status).toBe(201);
    expect(await events('o-big')).toEqual(['payments.payment-declined.v1']);
    expect((await api('POST', '/payments/o-big/capture')).body.code).toBe('PAYMENTS.CONFLICT');
  });

  it('voids an authorization, refunds a capture, and refuses the illegal transitions', async () => {
    await authorize('o-void', 1_000);
    expect((await api('POST', '/payments/o-void/void')).body.status).toBe('VOIDED');
    expect((await api('POST', '/payments/o-void/void')).status).toBe(200);
    expect((await api('POST', '/payments/o-void/capture')).status).toBe(409);
    await authorize('o-ref', 1_000);
    await api('POST', '/payments/o-ref/capture');
    expect((await api('POST', '/payments/o-ref/void')).status).toBe(409);
    expect((await api('POST', '/payments/o-ref/refund')).body.status).toBe('REFUNDED');
    expect(await events('o-ref')).toEqual([
      'payments.payment-authorized.v1',
      'payments.payment-captured.v1',
      'payments.payment-refunded.v1',
    ]);
    expect((await api('POST', '/payments/o-none/capture')).body.code).toBe('PAYMENTS.NOT_FOUND');
  });

  it('refuses the same order with another amount or user', async () => {
    await authorize('o-same', 700);
    expect((await authorize('o-same', 701)).body.code).toBe('PAYMENTS.CONFLICT');
    expect((await authorize('o-same', 700, 'user-2')).body.code).toBe('PAYMENTS.CONFLICT');
  });

  it('50 concurrent authorizations of one order: one authorization, one charge', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => authorize('o-race', 4_200)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(49);
    expect(new Set(results.map((r) => r.body.paymentId)).size).toBe(1);
    const captures = await Promise.all(Array.from({ length: 20 }, () => api('POST', '/payments/o-race/capture')));
    expect(captures.every((r) => r.status === 200 && r.body.status === 'CAPTURED')).toBe(true);
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM payments WHERE order_id = 'o-race'`,
    );
    expect(Number(rows[0]!.n)).toBe(1);
    expect(await events('o-race')).toEqual(['payments.payment-authorized.v1', 'payments.payment-captured.v1']);
  });

  it('counts payments by outcome', async () => {
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/payments_total\{outcome="declined",service="payment-service"\} 1/);
    expect(metrics).toMatch(/payments_total\{outcome="replayed",service="payment-service"\} \d+/);
  });

  describe('bad input never reaches a 5xx', () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/payments/authorize', {}],
      ['POST', '/payments/authorize', '[]'],
      ['POST', '/payments/authorize', '{"orderId":'],
      ['POST', '/payments/authorize', { orderId: 'x', userId: 'u', amountCents: 12.5 }],
      ['POST', '/payments/authorize', { orderId: 'x', userId: 'u', amountCents: 0 }],
      ['POST', '/payments/authorize', { orderId: 'x', userId: 'u', amountCents: -100 }],
      ['POST', '/payments/authorize', { orderId: 'x', userId: 'u', amountCents: '100' }],
      ['POST', '/payments/authorize', { orderId: 'x', userId: 'u', amountCents: 1e15 }],
      ['POST', '/payments/authorize', { orderId: 'x', userId: 'u', amountCents: 100, currency: 'EUR' }],
      ['POST', '/payments/authorize', { orderId: '', userId: 'u', amountCents: 100 }],
      ['POST', '/payments/authorize', { orderId: 'x'.repeat(200), userId: 'u', amountCents: 100 }],
      ['POST', '/payments/authorize', { orderId: 'x', userId: 'a\u0000', amountCents: 100 }],
      ['POST', '/payments/authorize', { orderId: 'x', userId: null, amountCents: 100 }],
      ['GET', '/payments/%00', undefined],
      ['GET', `/payments/${'a'.repeat(5000)}`, undefined],
      ['POST', '/payments/a%20b/capture', undefined],
      ['POST', '/payments/unknown/void', undefined],
      ['POST', '/payments/unknown/refund', undefined],
    ];
    for (const [method, path, body] of cases) {
      it(`${method} ${path.slice(0, 50)} ${JSON.stringify(body)?.slice(0, 70) ?? ''}`, async () => {
        const res = await api(method, path, body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.type).toMatch(/problem\+json/);
      });
    }
  });
});
