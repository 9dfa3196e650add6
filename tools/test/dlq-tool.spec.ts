// `npm run dlq -- list` without a queue: every consumer of the catalog's DLQ with its depth, in a namespace.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { requireInfra } from '@refarch/testing';
import amqp from 'amqplib';
import { loadCatalog, root } from '../catalog.mjs';

const infra = await requireInfra('npm run dlq -- list', 'rabbitmq');
const consumers = loadCatalog().filter((e) => e.consumes);

(infra ? describe : describe.skip)('npm run dlq -- list (every DLQ)', () => {
  const namespace = `dlq-${randomBytes(3).toString('hex')}`;
  const queue = `${namespace}.shipping-worker.dlq`;
  const dlq = (tool: string[]) =>
    spawnSync(process.execPath, ['tools/dlq.mjs', ...tool], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, RABBITMQ_URL: infra!.rabbitmq },
    });
  afterAll(async () => {
    const connection = await amqp.connect(infra!.rabbitmq);
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await connection.close();
  });

  it("lists each consumer's DLQ in the namespace with its depth, and the total", async () => {
    const connection = await amqp.connect(infra!.rabbitmq);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    for (const n of [1, 2]) channel.sendToQueue(queue, Buffer.from(`{"n":${n}}`), { persistent: true });
    await channel.waitForConfirms();
    await connection.close();

    const run = dlq(['list', '--namespace', namespace]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(consumers.length + 1);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${queue.replace(/\./g, '\\.')} +2$`)));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${namespace}\\.saga-orchestrator\\.dlq +not declared`)),
    );
    expect(lines.at(-1)).toBe(
      `2 dead-lettered message(s) in ${consumers.length} DLQs: npm run dlq -- list <queue> shows them`,
    );
  });

  it('refuses a bad namespace or a stray argument with the usage', () => {
    for (const args of [['list', '--namespace', 'Bad NS'], ['replay'], ['list', 'a', 'b']]) {
      const run = dlq(args);
      expect({ args, status: run.status, usage: run.stderr.includes('usage: npm run dlq') }).toEqual({
        args,
        status: 2,
        usage: true,
      });
    }
  });
});
