import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  assertTestDatabase,
  createTestDatabase,
  dropTestDatabases,
  NotATestDatabaseError,
  requireInfra,
  truncateTables,
} from '../src/index.js';

describe('assertTestDatabase (the guard)', () => {
  it('accepts names that mark a test database', () => {
    for (const name of ['test', 'refarch_test_users_1a2b', 'users_test', 'test_orders']) {
      expect(assertTestDatabase(`postgres://h/${name}`)).toBe(name);
    }
  });

  it('refuses anything else, including names that merely contain the letters', () => {
    for (const name of ['users', 'refarch_users', 'latest', 'contest_db', 'postgres']) {
      expect(() => assertTestDatabase(`postgres://h/${name}`)).toThrow(NotATestDatabaseError);
    }
  });

  it('guards destructive helpers', async () => {
    await expect(truncateTables('postgres://postgres@127.0.0.1:1/refarch_users', ['users'])).rejects.toThrow(
      NotATestDatabaseError,
    );
  });
});

const infra = await requireInfra('libs/testing databases', 'postgres');

(infra ? describe : describe.skip)('createTestDatabase', () => {
  it('creates an isolated, uniquely named database and drops it', async () => {
    const a = await createTestDatabase(infra!.postgres, 'iso');
    const b = await createTestDatabase(infra!.postgres, 'iso');
    expect(a.name).not.toBe(b.name);
    expect(a.name).toMatch(/^refarch_test_iso_[0-9a-f]{8}$/);
    const client = new pg.Client({ connectionString: a.url });
    await client.connect();
    await client.query('CREATE TABLE t (x int)');
    await client.end();
    await a.drop();
    await b.drop();
    const admin = new pg.Client({ connectionString: infra!.postgres });
    await admin.connect();
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = ANY($1)', [[a.name, b.name]]);
    await admin.end();
    expect(rows).toHaveLength(0);
  });

  it("drops a stack's databases by their prefix, and nothing else", async () => {
    const admin = new pg.Client({ connectionString: infra!.postgres });
    await admin.connect();
    const prefix = `refarch_test_drop_${process.pid}_`;
    try {
      for (const name of [`${prefix}users`, `${prefix}orders`, `refarch_test_keep_${process.pid}`])
        await admin.query(`CREATE DATABASE "${name}"`);
      expect((await dropTestDatabases(infra!.postgres, prefix)).sort()).toEqual([`${prefix}orders`, `${prefix}users`]);
      const { rows } = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1`,
        [`refarch_test_%_${process.pid}%`],
      );
      expect(rows.map((r) => r.datname)).toEqual([`refarch_test_keep_${process.pid}`]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "refarch_test_keep_${process.pid}"`);
      await admin.end();
    }
  });
});
