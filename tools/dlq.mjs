#!/usr/bin/env node
// `npm run dlq -- list|replay|purge <queue> [--limit N]`: inspect, replay or purge a consumer queue's DLQ
// (`<queue>.dlq`). `npm run dlq -- list` without a queue lists every consumer's DLQ with its depth — the consumers
// of the service catalog (each reads the queue named after it), in `--namespace <ns>` when the stack runs in one.
// Broker: RABBITMQ_URL, default amqp://guest:guest@127.0.0.1:5672. The same operations exist over HTTP on every
// service that consumes: GET/POST/DELETE /admin/dlq/:queue (admin token).
import { DlqAdmin } from '@refarch/messaging';
import { loadCatalog } from './catalog.mjs';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const [, value] = args.splice(at, 2);
  return value;
};
const limitText = option('--limit');
const namespace = option('--namespace');
const limit = limitText === undefined ? undefined : Number(limitText);
const [command, queue, ...extra] = args;
const usage = 'usage: npm run dlq -- list [<queue>] [--namespace NS] [--limit N] | replay|purge <queue> [--limit N]';
if (
  !['list', 'replay', 'purge'].includes(command ?? '') ||
  (!queue && command !== 'list') ||
  extra.length ||
  (limit !== undefined && !(limit > 0)) ||
  (namespace !== undefined && !/^[a-z0-9-]{1,40}$/.test(namespace))
) {
  console.error(usage);
  process.exit(2);
}
const url = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** A queue that does not exist: RabbitMQ's 404 NOT_FOUND channel error. */
const notFound = (error) => /NOT_FOUND|404/.test(error instanceof Error ? error.message : String(error));
const admin = new DlqAdmin(url);
if (command === 'list' && !queue) {
  const queues = loadCatalog()
    .filter((entry) => entry.consumes)
    .map((entry) => (namespace ? `${namespace}.${entry.name}` : entry.name));
  let total = 0;
  let unreachable = false;
  for (const name of queues) {
    try {
      const count = await admin.count(name);
      total += count;
      console.log(`${`${name}.dlq`.padEnd(40)} ${String(count).padStart(6)}`);
    } catch (error) {
      if (!notFound(error)) unreachable = true;
      const why = notFound(error) ? 'not declared (its consumer never started)' : `failed: ${error.message ?? error}`;
      console.log(`${`${name}.dlq`.padEnd(40)} ${why}`);
    }
  }
  console.log(
    `${total} dead-lettered message(s) in ${queues.length} DLQs${total ? ': npm run dlq -- list <queue> shows them' : ''}`,
  );
  process.exit(unreachable ? 1 : 0);
}
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
  console.error(
    notFound(error) ? `no queue ${queue}.dlq on ${new URL(url).host}` : `failed: ${error.message ?? error}`,
  );
  process.exit(1);
}
