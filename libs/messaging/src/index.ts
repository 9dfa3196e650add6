export { amqpConnectOptions, connectBroker } from './connection.js';
export type { AmqpConnectionManager, BrokerConnectionOptions } from './connection.js';
export {
  declareExchanges,
  declareQueue,
  DEFAULT_RETRY_DELAYS_MS,
  dlqName,
  EVENTS_EXCHANGE,
  exchangesFor,
  HEADERS,
  retryQueueName,
  UNROUTED_EXCHANGE,
  UNROUTED_QUEUE,
} from './topology.js';
export type { Exchanges, QueueTopology } from './topology.js';
export { InvalidMessageError, MessagePublisher, UnroutableMessageError } from './publisher.js';
export type { PublishOptions } from './publisher.js';
export { MessageConsumer } from './consumer.js';
export type { ConsumeOutcome, ConsumerOptions, HandlerResult, MessageHandler } from './consumer.js';
export { INBOX, PgInbox } from './inbox.js';
export type { Inbox, InboxResult } from './inbox.js';
export { OutboxRelay } from './outbox/relay.js';
export type { ClaimedBatch, OutboxRecord, OutboxStore, RelayOptions, RelayPublisher } from './outbox/relay.js';
export {
  addToOutbox,
  MESSAGING_MIGRATIONS_DIR,
  MESSAGING_MIGRATIONS_TABLE,
  PgOutboxStore,
} from './outbox/pg-outbox.js';
export {
  MONGO_OUTBOX_FIELD,
  MONGO_OUTBOX_PENDING,
  mongoOutbox,
  MongoOutboxStore,
  withOutbox,
} from './outbox/mongo-outbox.js';
export { DlqAdmin, registerDlqGauge } from './dlq.js';
export type { DeadLetter } from './dlq.js';
export { MessagingModule } from './messaging.module.js';
export { BROKER, MESSAGING_MIGRATIONS, OUTBOX_STORE } from './messaging.options.js';
export { MessageContext } from './transport/message.context.js';
export { OnMessage } from './transport/on-message.decorator.js';
export { MessageErrorFilter } from './transport/message-error.filter.js';
export { RABBITMQ_TRANSPORT, RabbitMqTransport } from './transport/rabbitmq.transport.js';
export type { EventPatternExtras } from './transport/rabbitmq.transport.js';
export type { MessagingOptions } from './messaging.options.js';
export { migrateServiceDatabase } from './service-infrastructure.js';
export { LiveFeed } from './live-feed.js';
export type { LiveFeedOptions } from './live-feed.js';
