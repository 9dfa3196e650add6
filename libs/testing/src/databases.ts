import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Thrown when a destructive test helper is pointed at a database that is not marked as a test database. */
export class NotATestDatabaseError extends Error {
  constructor(database: string) {
    super(
      `refusing to touch database "${database}": test helpers only run against databases whose name contains ` +
        `"test" as a word (e.g. refarch_test_users, users_test)`,
    );
    this.name = 'NotATestDatabaseError';
  }
}

/** The guard: throws unless the URL's database name marks it as a test database (`test` between underscores or ends). */
export function assertTestDatabase(url: string): string {
  const database = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/(^|_)test(_|$)/i.test(database)) throw new NotATestDatabaseError(database);
  return database;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Drops the database (forcing other sessions off). */
  drop(): Promise<void>;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Creates a fresh, uniquely named database (`refarch_test_<label>_<random>`) on the server of `serverUrl`,
 * so test files can run in parallel and rerun on a used machine.
 */
export async function createTestDatabase(serverUrl: string, label: string): Promise<TestDatabase> {
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const name = `refarch_test_${safeLabel}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(serverUrl, name);
  assertTestDatabase(url);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url,
    name,
    async drop() {
      assertTestDatabase(url);
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Drops every database whose name starts with `prefix` (a stack's `--db-prefix`: the stack creates them itself),
 * each guarded as a test database. Returns the names dropped.
 */
export async function dropTestDatabases(serverUrl: string, prefix: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [prefix],
    );
    for (const { datname } of rows) {
      assertTestDatabase(`postgres://h/${datname}`);
      await client.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
    }
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

/** Empties the given tables (guarded: only in a test database). */
export async function truncateTables(url: string, tables: string[]): Promise<void> {
  assertTestDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`TRUNCATE ${tables.map((t) => `"${t}"`).join(', ')} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * A pg pool for test code. Dropping a test database terminates its sessions (`WITH (FORCE)`); a pool without an
 * 'error' listener would turn that into an unhandled error in whatever test runs next.
 */
export function testPool(connectionString: string, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, ...options });
  pool.on('error', () => undefined);
  return pool;
}
