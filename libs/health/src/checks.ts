import amqp from 'amqplib';

/** One dependency the service needs to serve traffic. `ping` rejects (or outlives `timeoutMs`) when it is not usable. */
export interface ReadinessCheck {
  /** Key in the readiness report, e.g. `postgres`. */
  name: string;
  ping: () => Promise<unknown>;
  /** Default 1000 ms: a probe must answer well inside Kubernetes' probe timeout. */
  timeoutMs?: number;
  /**
   * The service still serves (slower, or with less) without this dependency: when it fails, readiness stays 200 and
   * reports it as `degraded` instead of taking the pod out of the load balancer (e.g. the gateway's Redis cache).
   */
  optional?: boolean;
}

/** PostgreSQL: `SELECT 1` through the service's own pool (so a full pool also shows as not ready). */
export function postgresCheck(pool: { query(sql: string): Promise<unknown> }, name = 'postgres'): ReadinessCheck {
  return { name, ping: () => pool.query('SELECT 1') };
}

/** Redis: `PING` on the service's client. */
export function redisCheck(client: { ping(): Promise<unknown> }, name = 'redis'): ReadinessCheck {
  return { name, ping: () => client.ping() };
}

/** MongoDB: the `ping` command on the service's client. */
export function mongoCheck(
  client: { db(name?: string): { command(cmd: Record<string, unknown>): Promise<unknown> } },
  name = 'mongodb',
): ReadinessCheck {
  return { name, ping: () => client.db('admin').command({ ping: 1 }) };
}

/**
 * RabbitMQ: an object with a live connection is checked without I/O (`isConnected()`); a URL is checked by opening
 * and closing a connection (for services that do not hold one yet).
 */
export function rabbitmqCheck(source: string | { isConnected(): boolean }, name = 'rabbitmq'): ReadinessCheck {
  if (typeof source !== 'string') {
    return {
      name,
      ping: () => (source.isConnected() ? Promise.resolve() : Promise.reject(new Error('not connected to the broker'))),
    };
  }
  return {
    name,
    ping: async () => {
      const connection = await amqp.connect(source, { timeout: 1000 });
      await connection.close();
    },
  };
}

/** Runs a check with its timeout; resolves to `undefined` when up, or the reason it is down. */
export async function runCheck(check: ReadinessCheck): Promise<string | undefined> {
  const timeoutMs = check.timeoutMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      check.ping().then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message || error.name : String(error)),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
