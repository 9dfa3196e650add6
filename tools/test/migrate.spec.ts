// Every PostgreSQL service's `npm run migrate` (its dist/migrate.js, what a Kubernetes Job runs) creates the same
// tables as its start-up: the messaging outbox and inbox, then its own. user-service's once skipped the first two.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { createTestDatabase, requireInfra, testPool } from '@refarch/testing';
import { loadCatalog, storeOf } from '../catalog.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const infra = await requireInfra('npm run migrate of every service', 'postgres');

// Every catalog entry that owns a PostgreSQL database: its folder, the variable naming the database, and for a worker
// its role (each role of services/workers has a database and migrations of its own).
const services = loadCatalog()
  .filter((e) => storeOf(e) === 'postgres')
  .map((e) => [e.name, e.dir, e.database!.env, e.role] as const);

(infra ? describe : describe.skip)('npm run migrate', () => {
  it.each(services)('%s applies the messaging tables and its own', async (service, dir, urlVariable, role) => {
    const script = path.join(root, 'services', dir, 'dist/migrate.js');
    expect(existsSync(script)).toBe(true);
    const db = await createTestDatabase(infra!.postgres, `migrate_${service.replace(/-/g, '_')}`);
    try {
      const output = execFileSync(process.execPath, [script], {
        env: { ...process.env, [urlVariable]: db.url, ...(role ? { WORKER_ROLE: role } : {}) },
        encoding: 'utf8',
      });
      expect(output).toMatch(/applied \d+ migration/);
      const pool = testPool(db.url);
      try {
        const { rows } = await pool.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
        );
        const tables = rows.map((r) => r.table_name);
        expect(tables).toEqual(expect.arrayContaining(['outbox', 'inbox', 'schema_migrations']));
        // …and at least one table of the service's own.
        const own = tables.filter((t) => !/^(outbox|inbox|schema_migrations|messaging_schema_migrations)$/.test(t));
        expect(own.length).toBeGreaterThan(0);
      } finally {
        await pool.end();
      }
    } finally {
      await db.drop();
    }
  });
});
