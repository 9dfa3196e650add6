import amqp from 'amqplib';

/**
 * Removes a test run's messaging namespace from the shared broker: each consumer queue named (`<ns>.<queue>`, with
 * its `.dlq` and `.retry.1…N` companions), the namespace's parking queue and its two exchanges. The names follow
 * libs/messaging's topology (`exchangesFor`, `dlqName`, `retryQueueName`); deleting what does not exist is a no-op.
 */
export async function deleteMessagingNamespace(
  rabbitmqUrl: string,
  namespace: string,
  consumerQueues: readonly string[] = [],
  retryQueues = 3,
): Promise<void> {
  const connection = await amqp.connect(rabbitmqUrl);
  try {
    const channel = await connection.createChannel();
    for (const base of consumerQueues) {
      const queue = `${namespace}.${base}`;
      for (const name of [
        queue,
        `${queue}.dlq`,
        ...Array.from({ length: retryQueues }, (_, i) => `${queue}.retry.${i + 1}`),
      ]) {
        await channel.deleteQueue(name);
      }
    }
    await channel.deleteQueue(`${namespace}.refarch.unrouted`);
    await channel.deleteExchange(`${namespace}.refarch.events`);
    await channel.deleteExchange(`${namespace}.refarch.unrouted`);
  } finally {
    await connection.close();
  }
}
