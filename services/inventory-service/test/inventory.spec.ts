import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireInfra, testPool } from '@refarch/testing';
import pg from 'pg';
import { ADMIN_TOKEN, call, startInventoryService, type InventoryUnderTest } from './harness.js';

const infra = await requireInfra('inventory-service', 'postgres', 'rabbitmq');

(infra ? describe : describe.skip)('inventory-service over HTTP (real PostgreSQL and RabbitMQ)', () => {
  let svc: InventoryUnderTest;
  let db: pg.Pool;
  const api = (method: string, path: string, body?: unknown) => call(svc.url, method, path, body);
  const stock = async (sku: string) => (await api('GET', `/products/${sku}`)).body.stock as number;
  const outbox = async (orderId: string) =>
    (
      await db.query<{ type: string }>(`SELECT type FROM outbox WHERE envelope->'data'->>'orderId' = $1 ORDER BY seq`, [
        orderId,
      ])
    ).rows.map((r) => r.type);

  beforeAll(async () => {
    svc = await startInventoryService(infra!.postgres, infra!.rabbitmq);
    db = testPool(svc.db.url);
  });
  afterAll(async () => {
    await db.end();
    await svc.stop();
  });

  it('serves the seeded catalog of at least 10 products with prices in cents', async () => {
    const res = await api('GET', '/products');
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThanOrEqual(10);
    expect(res.body[0]).toEqual({
      sku: expect.any(String),
      name: expect.any(String),
      priceCents: expect.any(Number),
      stock: expect.any(Number),
    });
    expect(res.body.every((p: { priceCents: number }) => Number.isInteger(p.priceCents))).toBe(true);
    expect((await api('GET', '/products/MUG-CLASSIC')).body).toMatchObject({ sku: 'MUG-CLASSIC', priceCents: 1299 });
    expect((await api('GET', '/products/NO-SUCH')).body).toMatchObject({
      status: 404,
      code: 'INVENTORY.PRODUCT_NOT_FOUND',
    });
  });

  it('reserves all items or none, names the missing SKUs, and writes the event only for a committed reservation', async () => {
    const before = { mug: await stock('MUG-CLASSIC'), lamp: await stock('LAMP-DESK') };
    const failed = await api('POST', '/reservations', {
      orderId: 'o-none',
      items: [
        { sku: 'MUG-CLASSIC', quantity: 1 },
        { sku: 'LAMP-DESK', quantity: 999 },
      ],
    });
    expect(failed.status).toBe(409);
    expect(failed.body).toMatchObject({ code: 'INVENTORY.OUT_OF_STOCK', missingSkus: ['LAMP-DESK'] });
    expect(await stock('MUG-CLASSIC')).toBe(before.mug);
    expect(await outbox('o-none')).toEqual([]);

    const ok = await api('POST', '/reservations', { orderId: 'o-1', items: [{ sku: 'MUG-CLASSIC', quantity: 2 }] });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ orderId: 'o-1', status: 'HELD', items: [{ sku: 'MUG-CLASSIC', quantity: 2 }] });
    expect(await stock('MUG-CLASSIC')).toBe(before.mug - 2);
    expect(await outbox('o-1')).toEqual(['inventory.stock-reserved.v1']);
  });

  it('is idempotent per order: a replay returns the same reservation, other items are a conflict', async () => {
    const first = await api('POST', '/reservations', { orderId: 'o-idem', items: [{ sku: 'CAP-NAVY', quantity: 1 }] });
    const again = await api('POST', '/reservations', { orderId: 'o-idem', items: [{ sku: 'CAP-NAVY', quantity: 1 }] });
    expect(again.status).toBe(200);
    expect(again.body.reservationId).toBe(first.body.reservationId);
    const other = await api('POST', '/reservations', { orderId: 'o-idem', items: [{ sku: 'CAP-NAVY', quantity: 2 }] });
    expect(other.body).toMatchObject({ status: 409, code: 'INVENTORY.RESERVATION_CONFLICT' });
    expect(await outbox('o-idem')).toEqual(['inventory.stock-reserved.v1']);
  });

  it('releases (stock back) and commits idempotently; the other transition afterwards is a conflict', async () => {
    const before = await stock('TOTE-CANVAS');
    await api('POST', '/reservations', { orderId: 'o-rel', items: [{ sku: 'TOTE-CANVAS', quantity: 3 }] });
    expect(await stock('TOTE-CANVAS')).toBe(before - 3);
    expect((await api('POST', '/reservations/o-rel/release')).body.status).toBe('RELEASED');
    expect((await api('POST', '/reservations/o-rel/release')).status).toBe(200);
    expect(await stock('TOTE-CANVAS')).toBe(before);
    expect((await api('POST', '/reservations/o-rel/commit')).body).toMatchObject({
      status: 409,
      code: 'INVENTORY.RESERVATION_CONFLICT',
    });
    expect(await outbox('o-rel')).toEqual(['inventory.stock-reserved.v1', 'inventory.stock-released.v1']);

    await api('POST', '/reservations', { orderId: 'o-com', items: [{ sku: 'TOTE-CANVAS', quantity: 1 }] });
    expect((await api('POST', '/reservations/o-com/commit')).body.status).toBe('COMMITTED');
    expect((await api('POST', '/reservations/o-com/commit')).status).toBe(200);
    expect((await api('POST', '/reservations/o-com/release')).status).toBe(409);
    expect(await stock('TOTE-CANVAS')).toBe(before - 1);
    expect(await outbox('o-com')).toEqual(['inventory.stock-reserved.v1', 'inventory.stock-committed.v1']);
    expect((await api('POST', '/reservations/o-unknown/release')).body.code).toBe('INVENTORY.RESERVATION_NOT_FOUND');
  });

  it('100 concurrent reservations against stock 10: exactly 10 succeed, stock ends at 0, never below', async () => {
    // Stock put in is recorded as a movement (the ledger test below accounts for every unit).
    await db.query(`INSERT INTO products (sku, name, price_cents, stock) VALUES ('RACE-10', 'Race item', 100, 10)`);
    await db.query(`INSERT INTO stock_movements (sku, quantity, reason) VALUES ('RACE-10', 10, 'restock')`);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api('POST', '/reservations', { orderId: `race-${i}`, items: [{ sku: 'RACE-10', quantity: 1 }] }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(90);
    expect(await stock('RACE-10')).toBe(0);
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM reservations WHERE order_id LIKE 'race-%'`,
    );
    expect(Number(rows[0]!.n)).toBe(10);
  });

  it('concurrent reservations for one order make exactly one reservation', async () => {
    const before = await stock('SOCKS-PAIR');
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api('POST', '/reservations', { orderId: 'same-order', items: [{ sku: 'SOCKS-PAIR', quantity: 1 }] }),
      ),
    );
    expect(new Set(results.map((r) => r.body.reservationId)).size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(await stock('SOCKS-PAIR')).toBe(before - 1);
  });

  it('restocks through the admin API (add, top up to, some SKUs), and accounts for every unit in its ledger', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const restock = (body: unknown, headers: Record<string, string> = admin) =>
      call(svc.url, 'POST', '/admin/products/restock', body, headers);
    expect((await restock({ add: 5 }, {})).status).toBe(401);
    expect((await restock({ add: 5, to: 10 })).body).toMatchObject({ status: 400 });
    expect((await restock({ add: 0 })).status).toBe(400);
    expect((await restock({ add: 5, skus: ['NO-SUCH'] })).body).toMatchObject({
      status: 422,
      unknownSkus: ['NO-SUCH'],
    });

    const before = { socks: await stock('SOCKS-PAIR'), poster: await stock('POSTER-K8S') };
    const added = await restock({ add: 7, skus: ['SOCKS-PAIR'] });
    expect(added.status).toBe(200);
    expect(added.body.added).toEqual({ 'SOCKS-PAIR': 7 });
    expect(await stock('SOCKS-PAIR')).toBe(before.socks + 7);
    expect(await stock('POSTER-K8S')).toBe(before.poster);
    // Topping up leaves a product that has enough alone.
    const topped = await restock({ to: before.poster + 10 });
    expect(topped.body.added['POSTER-K8S']).toBe(10);
    expect(topped.body.added['STICKER-PACK']).toBeUndefined();
    expect(await stock('POSTER-K8S')).toBe(before.poster + 10);

    // A held, a committed and a released reservation: every unit is somewhere.
    await api('POST', '/reservations', { orderId: 'o-ledger-held', items: [{ sku: 'SOCKS-PAIR', quantity: 2 }] });
    await api('POST', '/reservations', { orderId: 'o-ledger-done', items: [{ sku: 'SOCKS-PAIR', quantity: 3 }] });
    await api('POST', '/reservations/o-ledger-done/commit');
    await api('POST', '/reservations', { orderId: 'o-ledger-gone', items: [{ sku: 'SOCKS-PAIR', quantity: 4 }] });
    await api('POST', '/reservations/o-ledger-gone/release');
    const ledger = await call(svc.url, 'GET', '/admin/stock-ledger', undefined, admin);
    expect(ledger.status).toBe(200);
    for (const line of ledger.body as {
      sku: string;
      putIn: number;
      stock: number;
      held: number;
      committed: number;
    }[]) {
      expect({ sku: line.sku, accounted: line.stock + line.held + line.committed }).toEqual({
        sku: line.sku,
        accounted: line.putIn,
      });
    }
    const socks = (ledger.body as { sku: string; held: number; committed: number }[]).find(
      (l) => l.sku === 'SOCKS-PAIR',
    );
    expect(socks).toMatchObject({ held: expect.any(Number), committed: expect.any(Number) });
    expect(socks!.held).toBeGreaterThanOrEqual(2);
    expect(socks!.committed).toBeGreaterThanOrEqual(3);
  });

  it('counts reservations by outcome', async () => {
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/reservations_total\{outcome="reserved",service="inventory-service"\} \d+/);
    expect(metrics).toMatch(/reservations_total\{outcome="out_of_stock",service="inventory-service"\} \d+/);
  });

  describe('bad input never reaches a 5xx', () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/reservations', {}],
      ['POST', '/reservations', []],
      ['POST', '/reservations', '{"orderId":'],
      ['POST', '/reservations', { orderId: 'x', items: [] }],
      ['POST', '/reservations', { orderId: 'x', items: [{ sku: 'MUG-CLASSIC', quantity: 0 }] }],
      ['POST', '/reservations', { orderId: 'x', items: [{ sku: 'MUG-CLASSIC', quantity: 1.5 }] }],
      ['POST', '/reservations', { orderId: 'x', items: [{ sku: 'MUG-CLASSIC', quantity: -1 }] }],
      ['POST', '/reservations', { orderId: 'x', items: [{ sku: 'MUG-CLASSIC', quantity: '1' }] }],
      ['POST', '/reservations', { orderId: 'x', items: [{ sku: 'mug', quantity: 1 }] }],
      ['POST', '/reservations', { orderId: 'x', items: [{ sku: 'NOPE-1', quantity: 1 }] }],
      [
        'POST',
        '/reservations',
        {
          orderId: 'x',
          items: [
            { sku: 'MUG-CLASSIC', quantity: 1 },
            { sku: 'MUG-CLASSIC', quantity: 1 },
          ],
        },
      ],
      ['POST', '/reservations', { orderId: 'x'.repeat(500), items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }],
      ['POST', '/reservations', { orderId: 'a b\u0000', items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }],
      ['POST', '/reservations', { orderId: 'x', items: [{ sku: 'MUG-CLASSIC', quantity: 1 }], extra: true }],
      [
        'POST',
        '/reservations',
        { orderId: 'x', items: Array.from({ length: 51 }, (_, i) => ({ sku: `S-${i}`, quantity: 1 })) },
      ],
      ['POST', '/reservations', { orderId: 'x', items: [{ sku: 'MUG-CLASSIC', quantity: 10 ** 12 }] }],
      ['GET', '/products/%00', undefined],
      ['GET', `/products/${'A'.repeat(5000)}`, undefined],
      ['GET', "/products/' OR 1=1", undefined],
      ['GET', '/reservations/%E2%80%AE', undefined],
      ['POST', '/reservations/a%20b/release', undefined],
      ['POST', '/reservations/nope/commit', undefined],
    ];
    for (const [method, path, body] of cases) {
      it(`${method} ${path.slice(0, 60)} ${JSON.stringify(body)?.slice(0, 60) ?? ''}`, async () => {
        const res = await api(method, path, body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.type).toMatch(/problem\+json/);
      });
    }
  });
});
