// The daily batch: a day of order facts, streamed in by the analytics worker, exported as Parquet to a real
// S3-compatible server (s3rver), read back with an independent reader (hyparquet), checked against the analytics
// database, and exported again: the partition is replaced, never duplicated.
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createEnvelope, type MessageData, type MessageType } from '@refarch/contracts';
import { connectBroker, MessagePublisher, type AmqpConnectionManager } from '@refarch/messaging';
import { deleteMessagingNamespace, eventually, requireInfra, testPool } from '@refarch/testing';
import { startS3Sink, type S3Sink } from '@refarch/testing/s3';
import { parquetReadObjects } from 'hyparquet';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { exportDay, partitionKey } from '../src/analytics/lake-export.js';
import { call, startRole, type ServiceUnderTest } from './harness.js';

const infra = await requireInfra('analytics export to the data lake', 'postgres', 'rabbitmq');
const workers = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

(infra ? describe : describe.skip)('analytics export (real PostgreSQL, RabbitMQ and S3 server)', () => {
  const namespace = `lake-${randomBytes(3).toString('hex')}`;
  const bucket = 'refarch-lake-test';
  const day = '2026-06-01';
  let svc: ServiceUnderTest;
  let lake: S3Sink;
  let s3: S3Client;
  let pool: pg.Pool;
  let connection: AmqpConnectionManager;
  let publisher: MessagePublisher;
  const orders: { orderId: string; totalCents: number; status: 'APPROVED' | 'REJECTED' }[] = [];

  beforeAll(async () => {
    lake = await startS3Sink();
    s3 = new S3Client({
      endpoint: lake.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: lake.accessKeyId, secretAccessKey: lake.secretAccessKey },
    });
    svc = await startRole('analytics', infra!.postgres, infra!.rabbitmq, {
      MESSAGING_NAMESPACE: namespace,
      LOG_LEVEL: 'error',
    });
    pool = testPool(svc.db.url);
    connection = connectBroker(infra!.rabbitmq, { name: 'lake-test' });
    publisher = new MessagePublisher(connection, new Registry(), 10_000, namespace);
  });
  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await pool.end();
    await svc.stop();
    s3.destroy();
    await lake.stop();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace, ['analytics-worker']);
  });

  const send = <T extends MessageType>(type: T, data: MessageData<T>, at: string) =>
    publisher.publish(createEnvelope(type, data, { correlationId: randomUUID(), occurredAt: new Date(at) }));
  const read = async (key: string) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await object.Body!.transformToByteArray();
    return parquetReadObjects({ file: bytes.slice().buffer });
  };

  it('writes the day as Parquet, read back equal to the database, and replaces it on a re-run', async () => {
    const userId = randomUUID();
    // Five orders on the day (one rejected, one still pending), one the day after (not in the partition).
    for (let i = 0; i < 5; i++) {
      const orderId = randomUUID();
      const totalCents = 1000 + i;
      const at = `${day}T1${i}:00:00Z`;
      const items = [{ sku: 'MUG-CLASSIC', quantity: i + 1, priceCents: 1 }];
      await send('orders.order-created.v1', { orderId, userId, items, totalCents }, at);
      if (i === 4) continue;
      const status = i === 3 ? 'REJECTED' : 'APPROVED';
      if (status === 'APPROVED')
        await send('orders.order-approved.v1', { orderId, userId, totalCents }, `${day}T1${i}:00:02Z`);
      else
        await send('orders.order-rejected.v1', { orderId, userId, reason: 'out of stock: X' }, `${day}T1${i}:00:02Z`);
      orders.push({ orderId, totalCents, status });
    }
    await send(
      'orders.order-created.v1',
      { orderId: randomUUID(), userId, items: [{ sku: 'A', quantity: 1, priceCents: 1 }], totalCents: 1 },
      '2026-06-02T00:00:01Z',
    );
    await eventually(
      async () => {
        const { rows } = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM order_facts WHERE finished_at IS NOT NULL`,
        );
        return Number(rows[0]!.n) === 4;
      },
      10_000,
      'the facts',
    );
    await eventually(async () => (await call(svc.url, 'GET', '/health/ready')).status === 200, 5_000, 'ready');

    const first = await exportDay({ pool, s3, bucket, date: day });
    expect(first).toMatchObject({ date: day, key: partitionKey(day), rows: 5, replaced: [] });
    const rows = await read(first.key);
    // Independent of the writer: what the database holds for the day, column by column.
    const { rows: facts } = await pool.query(
      `SELECT order_id, status, total_cents::int AS total, item_count FROM order_facts
       WHERE created_at >= '${day}' AND created_at < '2026-06-02' ORDER BY created_at`,
    );
    expect(
      rows.map((r) => ({
        order_id: r.order_id,
        status: r.status,
        total: Number(r.total_cents),
        item_count: r.item_count,
      })),
    ).toEqual(facts);
    expect(rows.filter((r) => r.status === 'APPROVED').map((r) => Number(r.saga_ms))).toEqual([2000, 2000, 2000]);
    expect(rows.find((r) => r.status === 'REJECTED')!.rejection_kind).toBe('out_of_stock');
    expect(rows.filter((r) => r.status === 'PENDING')).toHaveLength(1);
    expect(new Set(rows.map((r) => r.order_id))).toEqual(
      new Set([...orders.map((o) => o.orderId), rows.at(-1)!.order_id]),
    );

    // A stray file in the partition (an older writer's), then the same date again: one file, the same rows.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `orders/date=${day}/part-old.parquet`, Body: 'x' }));
    const second = await exportDay({ pool, s3, bucket, date: day });
    expect(second.replaced).toEqual([`orders/date=${day}/part-old.parquet`]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `orders/date=${day}/` }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([partitionKey(day)]);
    expect((await read(second.key)).length).toBe(5);
  }, 60_000);

  it('the command refuses a date that is not a day, with one message and exit 1', () => {
    const result = spawnSync(process.execPath, ['dist/export-analytics.js', '--date', '2026-02-30'], {
      cwd: workers,
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'analytics export failed: --date must be a day, YYYY-MM-DD, "today" or "yesterday" (got "2026-02-30")',
    );
  });
});
