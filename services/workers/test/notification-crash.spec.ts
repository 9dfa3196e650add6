// kill -9 of the notification worker in the middle of a burst of 50 approved orders: after a restart every order has
// had its confirmation, exactly one Message-ID each (a resend after the kill carries the same Message-ID).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEnvelope } from '@refarch/contracts';
import { connectBroker, MessagePublisher, type AmqpConnectionManager } from '@refarch/messaging';
import {
  createTestDatabase,
  deleteMessagingNamespace,
  eventually,
  freePort,
  requireInfra,
  testPool,
  type TestDatabase,
} from '@refarch/testing';
import { startMailSink, type MailSink } from '@refarch/testing/mail';
import { Registry } from 'prom-client';

const infra = await requireInfra('notification-worker under kill -9', 'postgres', 'rabbitmq');
const workers = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ORDERS = 50;

(infra ? describe : describe.skip)('notification worker killed with SIGKILL mid-burst', () => {
  const namespace = `notif-kill-${randomBytes(3).toString('hex')}`;
  let db: TestDatabase;
  let mail: MailSink;
  let connection: AmqpConnectionManager;
  let publisher: MessagePublisher;
  let worker: ChildProcess | undefined;
  let port: number;

  const start = async () => {
    worker = spawn(process.execPath, ['dist/main.js'], {
      cwd: workers,
      env: {
        ...process.env,
        WORKER_ROLE: 'notification',
        DATABASE_URL: db.url,
        RABBITMQ_URL: infra!.rabbitmq,
        MESSAGING_NAMESPACE: namespace,
        SMTP_URL: mail.smtpUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      20_000,
      'the worker to be ready',
    );
  };

  beforeAll(async () => {
    db = await createTestDatabase(infra!.postgres, 'notification_kill');
    mail = await startMailSink();
    port = await freePort();
    connection = connectBroker(infra!.rabbitmq, { name: 'notification-kill-test' });
    publisher = new MessagePublisher(connection, new Registry(), 10_000, namespace);
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await publisher.close();
    await connection.close();
    await mail.stop();
    await db.drop();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace, ['notification-worker']);
  });

  it(`sends exactly ${ORDERS} confirmations, one Message-ID per order`, async () => {
    await start();
    const userId = randomUUID();
    const correlationId = randomUUID();
    await publisher.publish(
      createEnvelope(
        'users.user-registered.v1',
        { userId, email: 'kill@example.test', name: 'Kim' },
        { correlationId },
      ),
    );
    const orders = Array.from({ length: ORDERS }, () => randomUUID());
    for (const orderId of orders) {
      const items = [{ sku: 'MUG-CLASSIC', quantity: 1, priceCents: 1299 }];
      await publisher.publish(
        createEnvelope('orders.order-created.v1', { orderId, userId, items, totalCents: 1299 }, { correlationId }),
      );
    }
    for (const orderId of orders)
      await publisher.publish(
        createEnvelope('orders.order-approved.v1', { orderId, userId, totalCents: 1299 }, { correlationId }),
      );
    const confirmations = async () =>
      (await mail.emails()).filter((m) => m.subject.endsWith('is confirmed')).map((m) => m.headers['message-id']);
    // Killed once some confirmations are out, the rest still queued or in flight.
    await eventually(async () => (await confirmations()).length >= 5, 20_000, 'the first confirmations');
    worker!.kill('SIGKILL');
    await new Promise((resolve) => worker!.once('exit', resolve));
    const beforeRestart = (await confirmations()).length;
    expect(beforeRestart).toBeLessThan(ORDERS);
    await start();
    await eventually(async () => new Set(await confirmations()).size >= ORDERS, 30_000, `${ORDERS} confirmations`);
    await new Promise((r) => setTimeout(r, 500));
    const ids = await confirmations();
    expect(new Set(ids)).toEqual(new Set(orders.map((id) => `<order-confirmed.${id}@refarch.notification>`)));
    // The worker's own record: one row per email, whatever was resent.
    const pool = testPool(db.url);
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM emails WHERE kind = 'order-confirmed'`);
    await pool.end();
    expect(Number(rows[0]!.n)).toBe(ORDERS);
    console.log(
      `kill -9 after ${beforeRestart} of ${ORDERS} confirmations: ${ids.length} delivered to SMTP, ${new Set(ids).size} distinct Message-IDs`,
    );
  }, 90_000);
});
