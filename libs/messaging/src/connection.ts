import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';

export type { AmqpConnectionManager } from 'amqp-connection-manager';

export interface BrokerConnectionOptions {
  /** Shown in the RabbitMQ management UI. */
  name: string;
  heartbeatSeconds?: number;
  reconnectSeconds?: number;
  onStateChange?: (state: 'connected' | 'disconnected', error?: Error) => void;
}

/**
 * A RabbitMQ connection that reconnects by itself (amqp-connection-manager): channels are re-created and their
 * setup (topology, consumers) re-run after every reconnect; unconfirmed publishes are re-sent.
 */
export function connectBroker(url: string, options: BrokerConnectionOptions): AmqpConnectionManager {
  const manager = amqp.connect([url], {
    heartbeatIntervalInSeconds: options.heartbeatSeconds ?? 5,
    reconnectTimeInSeconds: options.reconnectSeconds ?? 1,
    connectionOptions: { clientProperties: { connection_name: options.name } },
  });
  manager.on('connect', () => options.onStateChange?.('connected'));
  manager.on('disconnect', ({ err }) => options.onStateChange?.('disconnected', err));
  // Failed connection attempts are retried; without a listener the emitter would throw.
  manager.on('connectFailed', ({ err }) => options.onStateChange?.('disconnected', err));
  return manager;
}
