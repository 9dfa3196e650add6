import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, requireInfra, type TestDatabase, testPool } from '@refarch/testing';
import pg from 'pg';
import { Registry } from 'prom-client';
import {
  connectBroker,
  declareQueue,
  MessagePublisher,
  migrate,
  MESSAGING_MIGRATIONS_DIR,
  MESSAGING_MIGRATIONS_TABLE,
} from './exports.js';
import { createEffectsTable, deleteQueues, effectCounts, queueDepth, testMessage, uniqueQueue } from './helpers.js';

const infra = await requireInfra('libs/messaging consumer crash', 'postgres', 'rabbitmq');
const FIXTURE = fileURLToPath(new URL('./fixtures/crashing-consumer.mjs', import.meta.url));

(infra ? describe : describe.skip)('a consumer SIGKILLed after commit and before ack, many times', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  const queue = uniqueQueue('crash');

  beforeAll(async () => {
    db = await createTestDatabase(infra!.postgres, 'crash');
    await migrate({ databaseUrl: db.url, dir: MESSAGING_MIGRATIONS_DIR, table: MESSAGING_MIGRATIONS_TABLE });
    await createEffectsTable(db.url);
    pool = testPool(db.url);
  });
  afterAll(async () => {
    await deleteQueues(infra!.rabbitmq, queue);
    await pool.end();
    await db.drop();
  });

  /** Runs the fixture until it dies (SIGKILL) or has drained the queue; resolves to its exit signal. */
  const runConsumer = (crashEvery: number) =>
    new Promise<NodeJS.Signals | null>((resolve) => {
      const child = spawn(process.execPath, [FIXTURE], {
        env: {
          ...process.env,
          RABBITMQ_URL: infra!.rabbitmq,
          DATABASE_URL: db.url,
          QUEUE: queue,
          CRASH_EVERY: String(crashEvery),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const poll = setInterval(() => {
        void effectCounts(pool).then(async ({ distinct }) => {
          if (distinct === total && (await queueDepth(infra!.rabbitmq, queue)) === 0) child.kill('SIGTERM');
        });
      }, 200);
      child.once('exit', (_code, signal) => {
        clearInterval(poll);
        resolve(signal);
      });
    });

  const total = 60;

  it('redelivers every message and applies each effect exactly once', async () => {
    const connection = connectBroker(infra!.rabbitmq, { name: 'crash-test-publisher' });
    const publisher = new MessagePublisher(connection, new Registry());
    await connection
      .createChannel({
        setup: (ch: Parameters<typeof declareQueue>[0]) =>
          declareQueue(ch, { queue, bindings: [], retryDelaysMs: [50, 50, 50] }),
      })
      .waitForConnect();
    for (let i = 0; i < total; i++) await publisher.send(queue, testMessage(i));
    await publisher.close();
    await connection.close();

    let kills = 0;
    for (let run = 0; run < 60; run++) {
      const signal = await runConsumer(4);
      if (signal === 'SIGKILL') kills++;
      else break;
    }
    const { total: applied, distinct } = await effectCounts(pool);
    expect(distinct).toBe(total);
    expect(applied).toBe(total);
    expect(kills).toBeGreaterThanOrEqual(10);
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM inbox WHERE consumer = 'crash-test'`,
    );
    expect(Number(rows[0]!.n)).toBe(total);
    expect(await queueDepth(infra!.rabbitmq, queue)).toBe(0);
  }, 120_000);
});
