import type { Channel, ConfirmChannel } from 'amqplib';

/** Topic exchange of every event; routing key = event type (docs/architecture.md §4). */
export const EVENTS_EXCHANGE = 'refarch.events';
/**
 * Alternate exchange of `refarch.events`: an event no queue is bound to lands in the `refarch.unrouted` queue
 * instead of vanishing (a published event is never silently lost, even before its consumers exist).
 */
export const UNROUTED_EXCHANGE = 'refarch.unrouted';
export const UNROUTED_QUEUE = 'refarch.unrouted';
/** The parking lot keeps the newest 10 000 unrouted events (oldest dropped): a diagnostic, not a backlog. */
export const UNROUTED_MAX_LENGTH = 10_000;

/** Default retry delays: three retries after 1 s, 5 s and 30 s, then the DLQ (4 attempts in all). */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

export const HEADERS = {
  attempt: 'x-attempt',
  error: 'x-last-error',
  originalRoutingKey: 'x-original-routing-key',
  originalQueue: 'x-original-queue',
  deadLetteredAt: 'x-dead-lettered-at',
  traceparent: 'traceparent',
  /** The context a message was created in (an outbox record's writer), when it was published later: consumers link to it. */
  creation: 'x-trace-creation',
} as const;

/** The exchanges (and parking queue) of one messaging namespace; no namespace = the stack's shared ones. */
export interface Exchanges {
  events: string;
  unrouted: string;
}

/**
 * A namespace isolates a whole stack on a shared broker (several developers, test runs): its own exchanges
 * (`<ns>.refarch.events`, `<ns>.refarch.unrouted`) and its own queues (`<ns>.<queue>`).
 */
export function exchangesFor(namespace?: string): Exchanges {
  return namespace
    ? { events: `${namespace}.${EVENTS_EXCHANGE}`, unrouted: `${namespace}.${UNROUTED_EXCHANGE}` }
    : { events: EVENTS_EXCHANGE, unrouted: UNROUTED_EXCHANGE };
}

/** A queue's name on the broker: `<ns>.<queue>` in a namespace, the base name otherwise. */
export const queueFor = (namespace: string | undefined, queue: string) => (namespace ? `${namespace}.${queue}` : queue);

export const retryQueueName = (queue: string, attempt: number) => `${queue}.retry.${attempt}`;
export const dlqName = (queue: string) => `${queue}.dlq`;

type AnyChannel = Channel | ConfirmChannel;

/** The shared exchanges; safe to call from every process at every start. */
export async function declareExchanges(channel: AnyChannel, exchanges: Exchanges = exchangesFor()): Promise<void> {
  await channel.assertExchange(exchanges.unrouted, 'fanout', { durable: true });
  // The parking queue has the unrouted exchange's name (refarch.unrouted, or <ns>.refarch.unrouted).
  await channel.assertQueue(exchanges.unrouted, {
    durable: true,
    maxLength: UNROUTED_MAX_LENGTH,
    arguments: { 'x-overflow': 'drop-head' },
  });
  await channel.bindQueue(exchanges.unrouted, exchanges.unrouted, '');
  await channel.assertExchange(exchanges.events, 'topic', { durable: true, alternateExchange: exchanges.unrouted });
}

export interface QueueTopology {
  queue: string;
  /** Event types (routing keys) bound from `refarch.events`; empty for a command queue. */
  bindings: readonly string[];
  retryDelaysMs: readonly number[];
  /** Default: the shared exchanges (no namespace). */
  exchanges?: Exchanges;
}

/**
 * A consumer's queues, declared idempotently: the durable main queue bound to its event types; one retry queue per
 * delay (`<queue>.retry.<n>`, TTL = delay, dead-lettering back to the main queue through the default exchange); and
 * the DLQ `<queue>.dlq`. Declaring a queue again with other arguments fails (PRECONDITION_FAILED): change a delay
 * by deleting that retry queue first.
 */
export async function declareQueue(channel: AnyChannel, topology: QueueTopology): Promise<void> {
  const exchanges = topology.exchanges ?? exchangesFor();
  await declareExchanges(channel, exchanges);
  await channel.assertQueue(topology.queue, { durable: true });
  for (const key of topology.bindings) await channel.bindQueue(topology.queue, exchanges.events, key);
  for (const [index, delay] of topology.retryDelaysMs.entries()) {
    await channel.assertQueue(retryQueueName(topology.queue, index + 1), {
      durable: true,
      messageTtl: delay,
      deadLetterExchange: '',
      deadLetterRoutingKey: topology.queue,
    });
  }
  await channel.assertQueue(dlqName(topology.queue), { durable: true });
}
