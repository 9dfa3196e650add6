import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { httpJson, requireInfra } from '@refarch/testing';
import pg from 'pg';
import { GATEWAY, root, startStack, type E2eStack } from './stack.js';

/**
 * The backup component's scripts (k8s/components/backup/scripts), as its CronJob and restore Job run them, against
 * the real PostgreSQL of a whole stack: a backup taken while orders flow, every database dropped (and the broker's
 * queues and Redis with them: a lost cluster), the backup restored, the stack started again on it. Every order
 * accepted before the backup started is there, and every saga invariant holds once the restored sagas have finished.
 */
const infra = await requireInfra('e2e backup and restore (the whole stack)', 'postgres', 'redis', 'rabbitmq');
const SCRIPTS = path.join(root, 'k8s/components/backup/scripts');

(infra ? describe : describe.skip)('backup → drop → restore of a running shop', () => {
  let stack: E2eStack | undefined;
  const backupDir = mkdtempSync(path.join(tmpdir(), 'refarch-backup-'));
  const server = new URL(infra?.postgres ?? 'postgres://localhost');
  server.pathname = '';
  const POSTGRES_URL = server.toString().replace(/\/$/, '');
  const databaseUrl = (name: string) => `${POSTGRES_URL}/${name}`;

  const databases = async (prefix: string) => {
    const client = new pg.Client({ connectionString: infra!.postgres });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1`,
        [prefix],
      );
      return rows.map((r) => r.datname);
    } finally {
      await client.end();
    }
  };
  /** One of the scripts, as its Job runs it; asynchronous, so orders keep flowing while the backup runs. */
  const script = (name: string, env: Record<string, string> = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('sh', [path.join(SCRIPTS, name)], {
        env: { ...process.env, POSTGRES_URL, BACKUP_DIR: backupDir, ...env },
        timeout: 60_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  beforeAll(async () => {
    stack = await startStack(infra!);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(backupDir, { recursive: true, force: true });
  }, 60_000);

  it('restores every database of a backup taken mid-flow: no accepted order lost, every invariant held', async () => {
    const first = stack!;
    const { email, password } = first.accounts.shopper;
    const login = await httpJson(GATEWAY, 'POST', '/api/auth/login', { email, password });
    expect(login.status).toBe(200);
    const shopper = { authorization: `Bearer ${login.body.accessToken as string}` };
    const products = (await httpJson(GATEWAY, 'GET', '/api/products')).body as { sku: string }[];

    // Four shoppers' worth of orders, until told to stop; each accepted order with the time it was accepted.
    const accepted: { orderId: string; at: number }[] = [];
    const refused: string[] = [];
    let placing = true;
    let n = 0;
    const shop = async () => {
      while (placing) {
        const sku = products[n++ % products.length]!.sku;
        const res = await httpJson(GATEWAY, 'POST', '/api/orders', { items: [{ sku, quantity: 1 }] }, shopper);
        if (res.status === 202) accepted.push({ orderId: res.body.orderId as string, at: Date.now() });
        else refused.push(`${res.status} ${res.body.code as string}`);
      }
    };
    const shoppers = Promise.all([shop(), shop(), shop(), shop()]);
    await new Promise((r) => setTimeout(r, 2_000));

    // The backup, while the orders keep coming (as the CronJob runs it: asynchronously to the traffic).
    const backupStarted = Date.now();
    const backup = await script('pg-backup.sh', { DATABASE_PREFIX: first.dbPrefix });
    await new Promise((r) => setTimeout(r, 1_000));
    placing = false;
    await shoppers;
    expect(refused).toEqual([]);
    expect(backup).toEqual({
      status: 0,
      stdout: expect.stringMatching(/backup .* complete: \d+ databases/),
      stderr: '',
    });
    const before = accepted.filter((o) => o.at < backupStarted).map((o) => o.orderId);
    expect(before.length).toBeGreaterThan(10);
    expect(accepted.length).toBeGreaterThan(before.length); // orders were accepted while it ran

    const [folder] = readdirSync(backupDir);
    const manifest = readFileSync(path.join(backupDir, folder!, 'manifest'), 'utf8');
    const dumped = manifest
      .split('\n')
      .filter((l) => l.startsWith('database '))
      .map((l) => l.slice('database '.length));
    const owned = await databases(first.dbPrefix);
    // Every database of the stack, the saga's first (each participant then at or ahead of the saga).
    expect([...dumped].sort()).toEqual(owned);
    expect(dumped[0]).toBe(`${first.dbPrefix}sagas`);

    // Lost: the databases, the broker's queues of the namespace and the Redis keys (stop() removes them all).
    await first.stop();
    stack = undefined;
    expect(await databases(first.dbPrefix)).toEqual([]);

    const restore = await script('pg-restore.sh');
    expect({ status: restore.status, stderr: restore.stderr }).toEqual({ status: 0, stderr: '' });
    expect(restore.stdout).toMatch(/restore of .* complete/);
    expect(await databases(first.dbPrefix)).toEqual(owned);
    // A second restore over the restored databases is refused, not merged into them.
    const again = await script('pg-restore.sh');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/exists: drop it first, or set RESTORE_REPLACE=yes/);

    stack = await startStack(infra!, { id: first.id });
    // Once every consumer's queue is back: what the outboxes sent in the window before the backup, again.
    const redeliver = await script('pg-redeliver.sh');
    expect({ status: redeliver.status, stderr: redeliver.stderr }).toEqual({ status: 0, stderr: '' });
    expect(redeliver.stdout).toMatch(/redelivery of .*: [1-9]\d* events marked/);
    const verify = spawnSync(
      process.execPath,
      [
        'tools/lab/dist/verify-cli.js',
        ...['--base-url', GATEWAY, '--wait', '60s', '--json'],
        ...['--admin-email', stack.accounts.admin.email, '--admin-password', stack.accounts.admin.password],
      ],
      { cwd: root, encoding: 'utf8', timeout: 90_000 },
    );
    const result = JSON.parse(verify.stdout || '{}') as { violations?: unknown[] };
    expect({ status: verify.status, violations: result.violations }).toEqual({ status: 0, violations: [] });

    const orders = new pg.Client({ connectionString: databaseUrl(`${first.dbPrefix}orders`) });
    await orders.connect();
    const { rows } = await orders.query<{ id: string }>('SELECT id FROM orders').finally(() => orders.end());
    const restored = new Set(rows.map((r) => r.id));
    expect(before.filter((o) => !restored.has(o))).toEqual([]);
  }, 240_000);
});
