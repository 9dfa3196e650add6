import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';
import type { Options } from 'amqplib';

export type { AmqpConnectionManager } from 'amqp-connection-manager';

export interface BrokerConnectionOptions {
  /** Shown in the RabbitMQ management UI. */
  name: string;
  heartbeatSeconds?: number;
  reconnectSeconds?: number;
  onStateChange?: (state: 'connected' | 'disconnected', error?: Error) => void;
}

/**
 * An AMQP URL as amqplib's connection options, its user-info percent-decoded: amqplib itself `unescape()`s it, which
 * garbles an encoded non-ASCII password. So a password may hold any character, encoded in the URL (libs/config puts
 * RABBITMQ_USER and RABBITMQ_PASSWORD there that way).
 */
export function amqpConnectOptions(url: string): Options.Connect {
  const parsed = new URL(url);
  const vhost = decodeURIComponent(parsed.pathname.slice(1));
  return {
    protocol: parsed.protocol.replace(/:$/, ''),
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(parsed.port ? { port: Number(parsed.port) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(vhost ? { vhost } : {}),
    ...Object.fromEntries(
      ['heartbeat', 'frameMax', 'channelMax']
        .filter((key) => parsed.searchParams.has(key))
        .map((key) => [key, Number(parsed.searchParams.get(key))]),
    ),
  };
}

/**
 * A RabbitMQ connection that reconnects by itself (amqp-connection-manager): channels are re-created and their
 * setup (topology, consumers) re-run after every reconnect; unconfirmed publishes are re-sent.
 */
export function connectBroker(url: string, options: BrokerConnectionOptions): AmqpConnectionManager {
  const manager = amqp.connect([amqpConnectOptions(url)], {
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
