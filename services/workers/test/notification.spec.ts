// The notification role on real PostgreSQL, RabbitMQ and SMTP (maildev, the stack's own sink): each event gives
// one email, whatever is delivered twice; an event ahead of what it refers to waits; SMTP down opens the breaker,
// the message reaches the DLQ, and a replay sends each email once.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEnvelope, type Envelope, type MessageData, type MessageType } from '@refarch/contracts';
import { connectBroker, MessagePublisher, type AmqpConnectionManager } from '@refarch/messaging';
import { deleteMessagingNamespace, eventually, requireInfra, startTcpProxy, type TcpProxy } from '@refarch/testing';
import { startMailSink, type MailSink } from '@refarch/testing/mail';
import { Registry } from 'prom-client';
import { call, startRole, type ServiceUnderTest } from './harness.js';

const infra = await requireInfra('notification-worker', 'postgres', 'rabbitmq');
const ADMIN = 'notification-admin-token-0123456789';

(infra ? describe : describe.skip)('notification worker (real PostgreSQL, RabbitMQ and SMTP)', () => {
  const namespace = `notif-${randomBytes(3).toString('hex')}`;
  let mail: MailSink;
  let smtp: TcpProxy;
  let svc: ServiceUnderTest;
  let connection: AmqpConnectionManager;
  let publisher: MessagePublisher;

  beforeAll(async () => {
    mail = await startMailSink();
    // SMTP through a proxy of the test's own, so it can be cut.
    smtp = await startTcpProxy('127.0.0.1', mail.smtpPort);
    svc = await startRole('notification', infra!.postgres, infra!.rabbitmq, {
      MESSAGING_NAMESPACE: namespace,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      SMTP_TIMEOUT_MS: '1000',
      // Two quick retries, then the DLQ (the default waits 36 s in all).
      MESSAGE_RETRY_DELAYS_MS: '300,300',
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'error',
    });
    connection = connectBroker(infra!.rabbitmq, { name: 'notification-test' });
    publisher = new MessagePublisher(connection, new Registry(), 10_000, namespace);
  });
  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await svc.stop();
    await smtp.close();
    await mail.stop();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace, ['notification-worker']);
  });

  const event = <T extends MessageType>(type: T, data: MessageData<T>): Envelope<MessageData<T>> =>
    createEnvelope(type, data, { correlationId: randomUUID() });
  const mailTo = async (address: string) =>
    (await mail.emails()).filter((m) => m.to.some((t) => t.address === address));
  const metric = async (kind: string, outcome: string) => {
    const text = (await call(svc.url, 'GET', '/metrics')).body as string;
    const line = new RegExp(`^notifications_total\\{kind="${kind}",outcome="${outcome}"[^}]*\\} (\\d+)$`, 'm').exec(
      text,
    );
    return Number(line?.[1] ?? 0);
  };
  const user = () => {
    const userId = randomUUID();
    return { userId, email: `${userId.slice(0, 8)}@example.test`, name: 'Ada Lovelace' };
  };

  it('sends the welcome, confirmation and rejection emails, each once though every event arrives twice', async () => {
    const ada = user();
    const registered = event('users.user-registered.v1', ada);
    const orderId = randomUUID();
    const items = [
      { sku: 'MUG-CLASSIC', quantity: 2, priceCents: 1299 },
      { sku: 'TEE-LOGO', quantity: 1, priceCents: 2500 },
    ];
    const created = event('orders.order-created.v1', { orderId, userId: ada.userId, items, totalCents: 5098 });
    const approved = event('orders.order-approved.v1', { orderId, userId: ada.userId, totalCents: 5098 });
    const rejectedId = randomUUID();
    const rejected = event('orders.order-rejected.v1', {
      orderId: rejectedId,
      userId: ada.userId,
      reason: 'payment declined: PAYMENTS.DECLINED',
    });
    for (const e of [registered, registered, created, created, approved, approved, rejected, rejected])
      await publisher.publish(e);
    // The same approval again under a new envelope id (a producer that published it twice): still one email.
    await publisher.publish(event('orders.order-approved.v1', approved.data));

    await eventually(async () => (await mailTo(ada.email)).length >= 3, 10_000, 'three emails');
    await new Promise((r) => setTimeout(r, 500)); // the duplicates had their chance
    const emails = await mailTo(ada.email);
    expect(emails.map((m) => m.subject).sort()).toEqual(
      [
        'Welcome to RefArch Shop',
        `Your order ${orderId} is confirmed`,
        `Your order ${rejectedId} could not be completed`,
      ].sort(),
    );
    const confirmation = emails.find((m) => m.subject.includes('confirmed'))!;
    expect(confirmation.text).toContain('2 × MUG-CLASSIC  25.98 €');
    expect(confirmation.text).toContain('Total  50.98 €');
    expect(confirmation.html).toMatch(/<td[^>]*>TEE-LOGO<\/td>/);
    expect(confirmation.headers['message-id']).toBe(`<order-confirmed.${orderId}@refarch.notification>`);
    const rejection = emails.find((m) => m.subject.includes('could not'))!;
    expect(rejection.text).toContain('because your payment was declined; no money was taken.');
    expect(rejection.text).not.toContain('PAYMENTS.DECLINED');
    expect(await metric('order-confirmed', 'sent')).toBe(1);
    expect(await metric('order-confirmed', 'deduplicated')).toBe(1);
    const sent = (await call(svc.url, 'GET', '/notification/emails')).body as { messageId: string }[];
    expect(sent.map((s) => s.messageId)).toContain(`welcome.${ada.userId}@refarch.notification`);
  });

  it('holds an approval that arrives before its order, and confirms once the order is known', async () => {
    const bob = user();
    await publisher.publish(event('users.user-registered.v1', bob));
    const orderId = randomUUID();
    const items = [{ sku: 'MUG-CLASSIC', quantity: 1, priceCents: 1299 }];
    await publisher.publish(event('orders.order-approved.v1', { orderId, userId: bob.userId, totalCents: 1299 }));
    await new Promise((r) => setTimeout(r, 200));
    expect((await mailTo(bob.email)).map((m) => m.subject)).not.toContain(`Your order ${orderId} is confirmed`);
    await publisher.publish(event('orders.order-created.v1', { orderId, userId: bob.userId, items, totalCents: 1299 }));
    await eventually(
      async () => (await mailTo(bob.email)).some((m) => m.subject === `Your order ${orderId} is confirmed`),
      10_000,
      'the confirmation after a retry',
    );
  });

  it('SMTP down: the breaker opens, the message reaches the DLQ, and a replay sends the email once', async () => {
    const cleo = user();
    await publisher.publish(event('users.user-registered.v1', cleo));
    await eventually(async () => (await mailTo(cleo.email)).length === 1, 10_000, 'the welcome');
    const auth = { authorization: `Bearer ${ADMIN}` };
    const queue = `${namespace}.notification-worker`;
    smtp.cut();
    try {
      // Orders enough to trip the breaker (its volume threshold is 5 sends), each rejected while SMTP is down.
      const ids = Array.from({ length: 6 }, () => randomUUID());
      for (const orderId of ids)
        await publisher.publish(
          event('orders.order-rejected.v1', { orderId, userId: cleo.userId, reason: 'out of stock' }),
        );
      await eventually(
        async () => {
          const { breakers } = (await call(svc.url, 'GET', '/admin/breakers', undefined, auth)).body as {
            breakers: { dependency: string; state: string }[];
          };
          return breakers.some((b) => b.dependency === 'smtp' && b.state === 'open');
        },
        15_000,
        'the smtp breaker to open',
      );
      await eventually(
        async () =>
          ((await call(svc.url, 'GET', `/admin/dlq/${queue}`, undefined, auth)).body as { count: number }).count ===
          ids.length,
        20_000,
        'every rejection in the DLQ',
      );
      expect((await mailTo(cleo.email)).length).toBe(1);
    } finally {
      smtp.restore();
    }
    // SMTP back, the breaker half-opens after its reset timeout; the replay delivers each message once more.
    await new Promise((r) => setTimeout(r, 5_500));
    const replay = await call(svc.url, 'POST', `/admin/dlq/${queue}/replay`, undefined, auth);
    expect(replay.body.replayed).toBe(6);
    await eventually(async () => (await mailTo(cleo.email)).length === 7, 20_000, 'the six rejections');
    await new Promise((r) => setTimeout(r, 500));
    const subjects = (await mailTo(cleo.email)).map((m) => m.subject);
    expect(new Set(subjects).size).toBe(7);
  }, 60_000);
});
