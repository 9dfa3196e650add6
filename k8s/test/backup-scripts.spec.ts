// The backup component's scripts (k8s/components/backup/scripts) on the real local PostgreSQL, on databases of the
// test's own: what a user gets wrong gets a clear error, the retention keeps the newest backups, a restore gives each
// database back to the role of its name and refuses to merge into an existing one. The whole backup → drop → restore
// of a running shop is e2e/test/backup.spec.ts.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireInfra } from '@refarch/testing';
import pg from 'pg';

const scripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../components/backup/scripts');
const infra = await requireInfra('the backup scripts', 'postgres');

(infra ? describe : describe.skip)('the backup scripts', () => {
  const prefix = `refarch_bkt_${randomBytes(3).toString('hex')}_`;
  const dir = mkdtempSync(path.join(tmpdir(), 'refarch-backup-scripts-'));
  const server = new URL(infra?.postgres ?? 'postgres://localhost');
  server.pathname = '';
  const POSTGRES_URL = server.toString().replace(/\/$/, '');
  let admin: pg.Client;

  const run = (script: string, env: Record<string, string | undefined> = {}, args: string[] = []) => {
    const result = spawnSync('sh', [path.join(scripts, script), ...args], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], POSTGRES_URL, BACKUP_DIR: dir, DATABASE_PREFIX: prefix, ...env },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const query = async (db: string, sql: string) => {
    const client = new pg.Client({ connectionString: `${POSTGRES_URL}/${db}` });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: infra!.postgres });
    await admin.connect();
    // Two databases, one owned by a role of its name as the cluster's init script makes them.
    await admin.query(`CREATE ROLE ${prefix}sagas LOGIN`);
    await admin.query(`CREATE DATABASE ${prefix}sagas OWNER ${prefix}sagas`);
    await admin.query(`CREATE DATABASE ${prefix}orders`);
    await query(`${prefix}orders`, 'CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2)');
  });

  afterAll(async () => {
    for (const db of ['sagas', 'orders']) await admin.query(`DROP DATABASE IF EXISTS ${prefix}${db} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${prefix}sagas`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what is missing or wrong instead of running', () => {
    expect(run('pg-backup.sh', { POSTGRES_URL: undefined })).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('set POSTGRES_URL'),
    });
    expect(run('pg-backup.sh', { DATABASE_PREFIX: 'Refarch-' })).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('DATABASE_PREFIX must be lower-case letters, digits and _'),
    });
    expect(run('pg-backup.sh', { DATABASE_PREFIX: `${prefix}none_` })).toMatchObject({
      status: 1,
      stderr: expect.stringContaining(`no database named ${prefix}none_*`),
    });
    expect(run('pg-backup.sh', { BACKUP_KEEP: 'seven' })).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('BACKUP_KEEP must be a whole number above 0'),
    });
    expect(run('pg-restore.sh', {}, [path.join(dir, 'nothing')])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('is not a backup (no manifest)'),
    });
  });

  it('keeps the newest BACKUP_KEEP backups, the saga’s database dumped first', async () => {
    const stamps: string[] = [];
    for (let i = 0; i < 3; i++) {
      // The stamp has a resolution of a second.
      if (i) await new Promise((r) => setTimeout(r, 1_100));
      const backup = run('pg-backup.sh', { BACKUP_KEEP: '2' });
      expect(backup).toMatchObject({ status: 0, stdout: expect.stringContaining('complete: 2 databases') });
      stamps.push(/backup \S+\/(\d{8}T\d{6}Z) complete/.exec(backup.stdout)![1]!);
    }
    // The first is gone, once the third was complete.
    expect(readdirSync(dir).sort()).toEqual(stamps.slice(1));
    const manifest = run('pg-restore.sh', { RESTORE_FROM: 'no-such-stamp' });
    expect(manifest.stderr).toContain('no-such-stamp is not a backup');
    const listed = spawnSync('awk', ['$1 == "database" { print $2 }', path.join(dir, stamps[2]!, 'manifest')], {
      encoding: 'utf8',
    }).stdout;
    expect(listed.trim().split('\n')).toEqual([`${prefix}sagas`, `${prefix}orders`]);
  }, 30_000);

  it('restores into dropped databases, each owned by the role of its name, and refuses existing ones', async () => {
    expect(run('pg-restore.sh')).toMatchObject({
      status: 1,
      stderr: expect.stringContaining(`${prefix}sagas exists: drop it first, or set RESTORE_REPLACE=yes`),
    });
    await query(`${prefix}orders`, 'INSERT INTO orders VALUES (3)'); // after the backup: gone after the restore
    for (const db of ['sagas', 'orders']) await admin.query(`DROP DATABASE ${prefix}${db} WITH (FORCE)`);
    const restore = run('pg-restore.sh');
    expect(restore).toMatchObject({ status: 0, stderr: '' });
    expect(restore.stdout).toContain(`restored ${prefix}sagas as ${prefix}sagas`);
    expect(await query(`${prefix}orders`, 'SELECT id FROM orders ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    const owners = await admin.query<{ datname: string; owner: string }>(
      `SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1`,
      [prefix],
    );
    const superuser = (await admin.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
    expect(owners.rows).toEqual([
      { datname: `${prefix}orders`, owner: superuser },
      { datname: `${prefix}sagas`, owner: `${prefix}sagas` },
    ]);
    // RESTORE_REPLACE: the existing databases are dropped and restored again.
    await query(`${prefix}orders`, 'INSERT INTO orders VALUES (4)');
    expect(run('pg-restore.sh', { RESTORE_REPLACE: 'yes' })).toMatchObject({ status: 0 });
    expect(await query(`${prefix}orders`, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 2 }]);
  }, 30_000);
});
