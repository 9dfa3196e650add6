#!/usr/bin/env node
// `npm run dlq -- list|replay|purge <queue> [--limit N]`: inspect, replay or purge a consumer queue's DLQ
// (`<queue>.dlq`). Broker: RABBITMQ_URL, default amqp://guest:guest@127.0.0.1:5672. The same operations exist over
// HTTP on every service that consumes: GET/POST/DELETE /admin/dlq/:queue (admin token).
import { DlqAdmin } from '@refarch/messaging';

const [command, queue, ...rest] = process.argv.slice(2);
const limitAt = rest.indexOf('--limit');
const limit = limitAt >= 0 ? Number(rest[limitAt + 1]) : undefined;
const usage = 'usage: npm run dlq -- list|replay|purge <queue> [--limit N]';
if (!['list', 'replay', 'purge'].includes(command ?? '') || !queue || (limit !== undefined && !(limit > 0))) {
  console.error(usage);
  process.exit(2);
}
const url = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const admin = new DlqAdmin(url);
try {
  if (command === 'list') {
    const { queue: dlq, count, messages } = await admin.list(queue, limit ?? 20);
    console.log(`${dlq}: ${count} message(s)${messages.length < count ? `, showing ${messages.length}` : ''}`);
    for (const m of messages) {
      console.log(
        `\n• ${m.messageId ?? '(no id)'}  ${m.type ?? '(no type)'}  attempts=${m.attempts ?? '?'}  from=${m.originalRoutingKey ?? '?'}  at=${m.deadLetteredAt ?? '?'}`,
      );
      console.log(`  error: ${m.error ?? '(none)'}`);
      console.log(`  body:  ${JSON.stringify(m.body).slice(0, 300)}`);
    }
  } else if (command === 'replay') {
    console.log(
      `replayed ${await admin.replay(queue, limit)} message(s) from ${queue}.dlq to ${queue} (attempt count reset)`,
    );
  } else {
    console.log(`purged ${await admin.purge(queue)} message(s) from ${queue}.dlq`);
  }
} catch (error) {
  const text = error instanceof Error ? error.message : String(error);
  console.error(/NOT_FOUND|404/.test(text) ? `no queue ${queue}.dlq on ${new URL(url).host}` : `failed: ${text}`);
  process.exit(1);
}
