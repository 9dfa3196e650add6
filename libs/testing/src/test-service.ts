import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { deleteMessagingNamespace } from './broker.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

/** What a service factory must return: `createService()` from @refarch/bootstrap fits. */
export interface StartableService {
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Settings the factory must apply: a free loopback port and a log destination the test can read. */
export interface TestServiceOverrides {
  config: { PORT: 0; HOST: '127.0.0.1' };
  logDestination: Writable;
}

export interface TestService<S extends StartableService = StartableService> {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  service: S;
  /** Every JSON log line written so far, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * Starts a service exactly as `main.ts` builds it, on a free port, capturing its logs:
 * `startTestService((o) => createService(AppModule, { name, config: { ...config, ...o.config }, logDestination: o.logDestination }))`.
 * (A factory rather than a module, so this library does not depend on @refarch/bootstrap, whose own tests use it.)
 */
export async function startTestService<S extends StartableService>(
  factory: (overrides: TestServiceOverrides) => Promise<S>,
): Promise<TestService<S>> {
  const logs: Record<string, unknown>[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const service = await factory({ config: { PORT: 0, HOST: '127.0.0.1' }, logDestination });
  const url = await service.listen();
  return { url, service, logs, close: () => service.close() };
}

export interface DatabaseServiceUnderTest<S extends StartableService> extends TestService<S> {
  db: TestDatabase;
  /** Its MESSAGING_NAMESPACE: it publishes to `<namespace>.refarch.events`. */
  namespace: string;
  /** Closes the service, then drops its database. */
  stop(): Promise<void>;
}

/**
 * A service on a fresh test database of its own: `factory(databaseUrl, overrides, namespace)` builds it as main.ts
 * does. `namespace` is a MESSAGING_NAMESPACE of its own (`test-<label>-<hex>`): a service under test that publishes
 * must not publish on the shared `refarch.events`, where a local stack's consumers would take its events for real
 * ones (an order-created event of a test made a running stack's saga charge for an order it never had). With
 * `rabbitmqUrl`, stop() also removes the namespace's exchanges and queues (`consumerQueues`: the service's own).
 */
export async function startOnTestDatabase<S extends StartableService>(
  postgresUrl: string,
  label: string,
  factory: (databaseUrl: string, overrides: TestServiceOverrides, namespace: string) => Promise<S>,
  broker?: { rabbitmqUrl: string; consumerQueues?: string[] },
): Promise<DatabaseServiceUnderTest<S>> {
  const db = await createTestDatabase(postgresUrl, label);
  const namespace = testNamespace(label);
  const svc = await startTestService((overrides) => factory(db.url, overrides, namespace));
  return {
    ...svc,
    db,
    namespace,
    async stop() {
      await svc.close();
      await db.drop();
      if (broker) await deleteMessagingNamespace(broker.rabbitmqUrl, namespace, broker.consumerQueues);
    },
  };
}

/** A MESSAGING_NAMESPACE for one service under test: `test-<label>-<hex>` (lower-case, at most 40 characters). */
export function testNamespace(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 24);
  return `test-${slug}-${randomBytes(3).toString('hex')}`;
}

export interface JsonResponse {
  status: number;
  /** Parsed JSON when the body is JSON (problem+json included), the text otherwise. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests assert the shape
  headers: Headers;
  type: string;
}

/** One HTTP call for tests: a string body is sent as is (malformed JSON on purpose), anything else as JSON. */
export async function httpJson(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  let parsed: unknown = text;
  if (/json/.test(type)) {
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
  }
  return { status: res.status, body: parsed, headers: res.headers, type };
}
