import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, requireInfra, type TestDatabase } from '@refarch/testing';
import { createPool, isPgError, migrate, UNIQUE_VIOLATION, withTransaction, type Pool } from '../src/index.js';

const MIGRATIONS = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));
const infra = await requireInfra('libs/postgres', 'postgres');

(infra ? describe : describe.skip)('migrations and transactions on real PostgreSQL', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase(infra!.postgres, 'pglib');
    pool = createPool(db.url, { applicationName: 'test' });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('applies pending migrations once, in order, even when replicas start together', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => migrate({ databaseUrl: db.url, dir: MIGRATIONS })));
    expect(runs.flat().sort()).toEqual(['001_create_things', '002_add_color']);
    expect(await migrate({ databaseUrl: db.url, dir: MIGRATIONS })).toEqual([]);
    await pool.query(`INSERT INTO things (id, name, color) VALUES (1, 'a', 'red')`);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await withTransaction(pool, (c) => c.query(`INSERT INTO things (id, name) VALUES (10, 'kept')`));
    const failure = await withTransaction(pool, async (c) => {
      await c.query(`INSERT INTO things (id, name) VALUES (11, 'lost')`);
      await c.query(`INSERT INTO things (id, name) VALUES (10, 'duplicate')`);
    }).catch((e: unknown) => e);
    expect(isPgError(failure, UNIQUE_VIOLATION, 'things_pkey')).toBe(true);
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM things WHERE id >= 10 ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([10]);
  });
});
