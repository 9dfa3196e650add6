import net from 'node:net';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';

export type InfraKind = 'postgres' | 'redis' | 'rabbitmq' | 'mongodb';

export interface ResolvedInfra {
  url: string;
  source: 'env' | 'loopback' | 'testcontainers';
}

const ENV_VARS: Record<InfraKind, string> = {
  postgres: 'TEST_POSTGRES_URL',
  redis: 'TEST_REDIS_URL',
  rabbitmq: 'TEST_RABBITMQ_URL',
  mongodb: 'TEST_MONGO_URL',
};

const LOOPBACK: Record<InfraKind, string | undefined> = {
  postgres: 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: 'redis://127.0.0.1:6379',
  rabbitmq: 'amqp://guest:guest@127.0.0.1:5672',
  // No MongoDB is started on loopback by default: it is only used when TEST_MONGO_URL says so.
  mongodb: undefined,
};

const LABEL: Record<InfraKind, string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  rabbitmq: 'RabbitMQ',
  mongodb: 'MongoDB',
};

async function answers(kind: InfraKind, url: string): Promise<boolean> {
  try {
    switch (kind) {
      case 'postgres': {
        const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
        await client.connect();
        await client.end();
        return true;
      }
      case 'redis': {
        const client = new Redis(url, {
          lazyConnect: true,
          connectTimeout: 1000,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        try {
          await client.connect();
          return (await client.ping()) === 'PONG';
        } finally {
          client.disconnect();
        }
      }
      case 'rabbitmq': {
        const connection = await amqp.connect(url, { timeout: 1000 });
        await connection.close();
        return true;
      }
      case 'mongodb':
        return false;
    }
  } catch {
    return false;
  }
}

/** Ports only: used to fail fast before a protocol handshake that might wait longer. */
function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port), timeout: 500 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const CONTAINERS: Record<
  InfraKind,
  { image: string; port: number; env?: Record<string, string>; url: (host: string, port: number) => string }
> = {
  postgres: {
    image: 'postgres:16-alpine',
    port: 5432,
    env: { POSTGRES_HOST_AUTH_METHOD: 'trust' },
    url: (h, p) => `postgres://postgres@${h}:${p}/postgres`,
  },
  redis: { image: 'redis:7-alpine', port: 6379, url: (h, p) => `redis://${h}:${p}` },
  rabbitmq: { image: 'rabbitmq:3.13-alpine', port: 5672, url: (h, p) => `amqp://guest:guest@${h}:${p}` },
  mongodb: { image: 'mongo:7', port: 27017, url: (h, p) => `mongodb://${h}:${p}/?directConnection=true` },
};

async function fromContainer(kind: InfraKind): Promise<string> {
  // Imported lazily: most runs never get here, and testcontainers is slow to load.
  const { GenericContainer, Wait } = await import('testcontainers');
  const spec = CONTAINERS[kind];
  let container = new GenericContainer(spec.image)
    .withExposedPorts(spec.port)
    .withWaitStrategy(Wait.forListeningPorts());
  if (spec.env) container = container.withEnvironment(spec.env);
  const started = await container.start();
  // Left running for the test process; testcontainers' reaper removes it when the process exits.
  return spec.url(started.getHost(), started.getMappedPort(spec.port));
}

const cache = new Map<InfraKind, Promise<ResolvedInfra | string>>();

/**
 * Finds a real server for `kind` (docs/architecture.md §8): the `TEST_*_URL` variable, else the well-known loopback
 * service if it answers, else a testcontainers container. Resolves to the reason when none is available.
 */
export function resolveInfra(kind: InfraKind): Promise<ResolvedInfra | string> {
  let pending = cache.get(kind);
  if (!pending) {
    pending = (async () => {
      const fromEnv = process.env[ENV_VARS[kind]];
      if (fromEnv) return { url: fromEnv, source: 'env' as const };
      const loopback = LOOPBACK[kind];
      if (loopback && (await portOpen(loopback)) && (await answers(kind, loopback))) {
        return { url: loopback, source: 'loopback' as const };
      }
      try {
        return { url: await fromContainer(kind), source: 'testcontainers' as const };
      } catch (error) {
        const tried = [
          `${ENV_VARS[kind]} unset`,
          loopback ? `nothing answering on ${new URL(loopback).host}` : undefined,
        ]
          .filter(Boolean)
          .join(', ');
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        return `no ${LABEL[kind]} (${tried}, testcontainers: ${reason})`;
      }
    })();
    cache.set(kind, pending);
  }
  return pending;
}

/**
 * Resolves every kind a test file needs. When one is missing, prints one clear SKIP line and resolves to
 * `undefined`, so the file can use `describe.skip` — a skipped test is reported, never silently passed.
 */
export async function requireInfra<K extends InfraKind>(
  suite: string,
  ...kinds: K[]
): Promise<Record<K, string> | undefined> {
  const urls = {} as Record<K, string>;
  for (const kind of kinds) {
    const resolved = await resolveInfra(kind);
    if (typeof resolved === 'string') {
      process.stderr.write(`SKIP ${suite}: ${resolved}\n`);
      return undefined;
    }
    urls[kind] = resolved.url;
  }
  return urls;
}
