export { connectBroker } from './connection.js';
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
export { handleOnce } from './inbox.js';
export type { InboxResult } from './inbox.js';
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
export { OnMessage } from './on-message.decorator.js';
export type { MessagingOptions } from './messaging.options.js';
export { migrateServiceDatabase, postgresServiceInfrastructure } from './service-infrastructure.js';
export type { PostgresServiceOptions } from './service-infrastructure.js';
export { LiveFeed } from './live-feed.js';
export type { LiveFeedOptions } from './live-feed.js';
