// `npm run conformance [-- <service>]` (and part of `npm test`): every backend service of the catalog, started as a
// real process (its dist/main.js) with real PostgreSQL / Redis / RabbitMQ behind TCP proxies of its own, passes the
// same checks (tools/conformance/checks.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTestDatabase,
  deleteMessagingNamespace,
  freePort,
  requireInfra,
  serviceAuth,
  startTcpProxy,
  startTestIssuer,
  type TcpProxy,
  type TestDatabase,
  type TestIssuer,
} from '@refarch/testing';
import { render } from '../../k8s/test/policy.js';
import { dropMongoTestDatabase, mongoTestDatabaseUrl } from '@refarch/testing/mongodb';
import { loadCatalog, root, serviceEnvironment, storeOf, type CatalogEntry } from '../catalog.mjs';
import * as checks from '../conformance/checks.js';

const infra = await requireInfra('conformance', 'postgres', 'redis', 'rabbitmq');
const only = (process.env['CONFORMANCE_SERVICES'] ?? '').split(',').filter(Boolean);
const backends = loadCatalog().filter((e) => e.kind !== 'static' && (only.length === 0 || only.includes(e.name)));
const onMongo = backends.filter((e) => e.needs.includes('mongodb'));
// No MongoDB server here (TEST_MONGO_URL unset): the services on MongoDB are skipped, with one SKIP line naming them.
const mongo = onMongo.length
  ? await requireInfra(`conformance of ${onMongo.map((e) => e.name).join(', ')} (on MongoDB)`, 'mongodb')
  : undefined;
const runnable = backends.filter((e) => mongo || !e.needs.includes('mongodb'));
const skipped = backends.filter((e) => !runnable.includes(e));
const rendered = render(path.join(root, 'k8s/base'));
const jwtPrivateKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const ADMIN_TOKEN = randomBytes(18).toString('base64url');

const hostPort = (url: string, fallback: number) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || fallback) };
};

function conformance(_name: string, entry: CatalogEntry) {
  const namespace = `conf-${randomBytes(3).toString('hex')}`;
  const proxies = new Map<string, TcpProxy>();
  let db: TestDatabase | undefined;
  let mongoDatabase: string | undefined;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let output = '';
  let service: checks.ServiceUnderCheck;
  let command: { args: string[]; cwd: string; env: Record<string, string> };
  let recorder: http.Server;
  const outbound: string[] = [];
  /** The user-service's keys, for a service that takes signed-in users' requests (the order-service). */
  let issuer: TestIssuer;

  beforeAll(async () => {
    const targets = {
      postgres: hostPort(infra!.postgres, 5432),
      redis: hostPort(infra!.redis, 6379),
      rabbitmq: hostPort(infra!.rabbitmq, 5672),
      ...(mongo ? { mongodb: hostPort(mongo.mongodb, 27017) } : {}),
    } as Record<string, { host: string; port: number }>;
    for (const dependency of entry.needs) {
      const { host, port } = targets[dependency]!;
      proxies.set(dependency, await startTcpProxy(host, port));
    }
    const through = (url: string, dependency: string) => {
      const u = new URL(url);
      const proxy = proxies.get(dependency)!;
      u.host = `${proxy.host}:${proxy.port}`;
      return u.toString();
    };
    if (storeOf(entry) === 'postgres')
      db = await createTestDatabase(infra!.postgres, `conformance_${entry.database!.name}`);
    if (storeOf(entry) === 'mongodb')
      mongoDatabase = mongoTestDatabaseUrl(mongo!.mongodb, `conformance_${entry.database!.name}`);
    // The services it calls are not part of these checks: a server that records each request's trace id and then
    // drops the connection (as if nothing answered) stands in for them.
    recorder = http.createServer((req) => {
      outbound.push(/^00-([0-9a-f]{32})-/.exec(String(req.headers['traceparent']))?.[1] ?? '');
      req.socket.destroy();
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    const nowhere = `http://127.0.0.1:${(recorder.address() as net.AddressInfo).port}`;
    issuer = await startTestIssuer();
    const userService = new URL(issuer.jwksUrl).origin;
    const port = await freePort();
    command = {
      args: ['--enable-source-maps', 'dist/main.js'],
      cwd: path.join(root, 'services', entry.dir),
      env: {
        ...(process.env as Record<string, string>),
        ...serviceEnvironment(entry, {
          databaseUrl: (_db, store) =>
            store === 'mongodb' ? through(mongoDatabase!, 'mongodb') : through(db!.url, 'postgres'),
          rabbitmqUrl: entry.needs.includes('rabbitmq') ? through(infra!.rabbitmq, 'rabbitmq') : '',
          redisUrl: entry.needs.includes('redis') ? through(infra!.redis, 'redis') : '',
          urlOf: (called: string) => (called === 'user-service' ? userService : nowhere),
          jwtPrivateKey,
          namespace,
        }),
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_TOKEN,
        MESSAGING_NAMESPACE: namespace,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
      },
    };
    child = spawn(process.execPath, command.args, { cwd: command.cwd, env: command.env });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) => child.once('exit', resolve));
    const url = `http://127.0.0.1:${port}`;
    const end = Date.now() + 20_000;
    while (
      !(await fetch(`${url}/health/live`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`${entry.name} did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    service = {
      name: entry.name,
      url,
      adminToken: ADMIN_TOKEN,
      required: entry.needs.filter((n) => !(entry.optional ?? []).includes(n)),
      optional: entry.optional ?? [],
      cut: (dependency) => proxies.get(dependency)!.cut(),
      restore: (dependency) => proxies.get(dependency)!.restore(),
    };
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    for (const proxy of proxies.values()) await proxy.close();
    recorder?.closeAllConnections();
    await new Promise((r) => (recorder ? recorder.close(r) : r(undefined)));
    await issuer?.close();
    await db?.drop();
    if (mongoDatabase) await dropMongoTestDatabase(mongoDatabase);
    await deleteMessagingNamespace(infra!.rabbitmq, namespace, entry.consumes ? [entry.name] : []);
  });

  it('health: live without dependencies, ready follows each dependency', async () => {
    expect(await checks.healthSemantics(service)).toEqual([]);
  });
  it('metrics: RED by route template, process and event loop, promtool-clean', async () => {
    expect(await checks.metrics(service)).toEqual([]);
  });
  it('bad input: 4xx problem+json with a code, never a 5xx', async () => {
    expect(await checks.badInput(service)).toEqual([]);
  });
  it('echoes x-correlation-id', async () => {
    expect(await checks.correlation(service)).toEqual([]);
  });
  it('admin faults: token required; error, latency and hang do what they say', async () => {
    expect(await checks.adminFaults(service)).toEqual([]);
  });
  it('a bad environment exits non-zero naming every bad variable', async () => {
    expect(
      await checks.badEnvironment(command, { PORT: 'not-a-port', LOG_LEVEL: 'shouting', BODY_LIMIT_BYTES: '-5' }),
    ).toEqual([]);
  });
  it('its Kubernetes entry probes the real routes on its port', () => {
    expect(checks.kubernetesEntry(entry.name, rendered)).toEqual([]);
  });
  // Only a service that consumes gets a message to continue a trace from.
  if (entry.consumes)
    it('traceparent: continued from a message into its calls and messages', async () => {
      expect(
        await checks.traceContinuation({
          rabbitmqUrl: infra!.rabbitmq,
          namespace,
          queue: entry.name,
          outboundTraceIds: () => outbound,
        }),
      ).toEqual([]);
    }, 20_000);
  // A service whose catalog names a request that makes it call or publish.
  if (entry.traceProbe)
    it('traceparent: continued from an HTTP request into its calls and messages', async () => {
      expect(
        await checks.httpTraceContinuation(
          service,
          entry.traceProbe!,
          {
            rabbitmqUrl: infra!.rabbitmq,
            namespace,
            outboundTraceIds: () => outbound,
          },
          3_000,
          {
            userToken: () => issuer.token('conformance'),
            // A public entry (the gateway) takes users, not services: its probe goes as an anonymous caller.
            ...(entry.public ? {} : { service: () => serviceAuth(entry.name) }),
          },
        ),
      ).toEqual([]);
    }, 20_000);
  it('SIGTERM during a burst: accepted work completes, exit 0 within 10 s', async () => {
    expect(await checks.gracefulShutdown(service, { kill: (signal) => child.kill(signal), exited })).toEqual([]);
  });
}

const each = (entries: CatalogEntry[]) => entries.map((e) => [e.name, e] as const);
if (runnable.length) (infra ? describe : describe.skip).each(each(runnable))('conformance: %s', conformance);
if (skipped.length) describe.skip.each(each(skipped))('conformance: %s', conformance);
