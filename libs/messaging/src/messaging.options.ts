import { MESSAGING_MIGRATIONS_DIR, MESSAGING_MIGRATIONS_TABLE } from './outbox/pg-outbox.js';
import type { RelayOptions } from './outbox/relay.js';

/** Injection token of the service's broker connection (amqp-connection-manager). */
export const BROKER = Symbol('BROKER');
/** Injection token a service provides its own outbox store under (`outbox: 'custom'`, e.g. MongoOutboxStore). */
export const OUTBOX_STORE = Symbol('OUTBOX_STORE');
/** Injection token of the module's options. */
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** The messaging tables' migrations, for `PostgresModule.forRoot({ libraryMigrations: [MESSAGING_MIGRATIONS] })`. */
export const MESSAGING_MIGRATIONS = { dir: MESSAGING_MIGRATIONS_DIR, table: MESSAGING_MIGRATIONS_TABLE };

export interface MessagingOptions {
  url: string;
  /** This service's name: connection name, and the default queue (`<service>`). */
  service: string;
  /**
   * Run an outbox relay in this service: `postgres` (needs PostgresModule with MESSAGING_MIGRATIONS), or `custom`
   * for a store the service provides under {@link OUTBOX_STORE} (e.g. a MongoOutboxStore).
   */
  outbox?: 'postgres' | 'custom';
  relay?: RelayOptions;
  prefetch?: number;
  retryDelaysMs?: readonly number[];
  publishTimeoutMs?: number;
  /**
   * Isolates this service's messaging on a shared broker: exchanges `<ns>.refarch.events` / `<ns>.refarch.unrouted`
   * and queues `<ns>.<queue>`. Every service of one stack uses the same namespace (MESSAGING_NAMESPACE); the publisher
   * applies it to commands too (`queueFor`).
   */
  namespace?: string;
}
