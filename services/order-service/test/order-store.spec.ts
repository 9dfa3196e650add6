import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe } from '@jest/globals';
import { MESSAGING_MIGRATIONS } from '@refarch/messaging';
import { migrate } from '@refarch/postgres';
import { createTestDatabase, requireInfra, type TestDatabase, testPool } from '@refarch/testing';
import type { Collection, MongoClient } from 'mongodb';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../src/config.js';
import { MongoOrderStore } from '../src/orders/mongo-order.store.js';
import { PgOrderStore } from '../src/orders/pg-order.store.js';
import { orderStoreContract } from './order-store.contract.js';

const postgres = await requireInfra('order store contract (PostgreSQL)', 'postgres');

(postgres ? describe : describe.skip)('order store contract: PostgreSQL adapter', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase(postgres!.postgres, 'orders_store');
    await migrate({ databaseUrl: db.url, ...MESSAGING_MIGRATIONS });
    await migrate({ databaseUrl: db.url, dir: MIGRATIONS_DIR });
    pool = testPool(db.url);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  orderStoreContract(() => ({
    store: new PgOrderStore(pool),
    events: async (orderId) =>
      (
        await pool.query<{ type: string }>(
          `SELECT type FROM outbox WHERE envelope->'data'->>'orderId' = $1 ORDER BY seq`,
          [orderId],
        )
      ).rows.map((r) => r.type),
  }));
});

const mongo = await requireInfra('order store contract (MongoDB)', 'mongodb');

(mongo ? describe : describe.skip)('order store contract: MongoDB adapter', () => {
  let client: MongoClient;
  let orders: Collection<any>;
  let store: MongoOrderStore;
  beforeAll(async () => {
    const { MongoClient } = await import('mongodb');
    client = new MongoClient(mongo!.mongodb, { serverSelectionTimeoutMS: 5_000 });
    await client.connect();
    orders = client.db(`refarch_test_orders_${randomBytes(4).toString('hex')}`).collection('orders');
    store = new MongoOrderStore(orders);
    await store.ensureIndexes();
  });
  afterAll(async () => {
    await orders.db.dropDatabase();
    await client.close();
  });
  orderStoreContract(() => ({
    store,
    events: async (orderId) =>
      ((await orders.findOne({ _id: orderId }))?.outbox ?? []).map(
        (r: { envelope: { type: string } }) => r.envelope.type,
      ),
  }));
});
