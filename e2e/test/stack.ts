import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteMessagingNamespace, dropTestDatabases, serviceAuth } from '@refarch/testing';
import { startMailSink, type ReceivedMail } from '@refarch/testing/mail';
import { Redis } from 'ioredis';

export type { ReceivedMail };
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const GATEWAY = 'http://127.0.0.1:8080';
export const FRONTEND = 'http://127.0.0.1:3000';

export interface DemoAccounts {
  admin: { email: string; password: string };
  shopper: { email: string; password: string };
}

export interface E2eStack {
  id: string;
  /** What the stack printed (restarts are announced there). */
  output(): string;
  stateDir: string;
  dbPrefix: string;
  namespace: string;
  /** Bearer header of the services' own `/admin` API. */
  admin: Record<string, string>;
  /** A service credential for calling `service` on its own port, as the saga would (the stack's own secret). */
  asService(service: string): Promise<Record<string, string>>;
  accounts: DemoAccounts;
  pids(): Record<string, number>;
  /** The trace of an order or trace id, as `npm run trace -- <id> --json` prints it (started with `traces`). */
  trace(id: string): TraceSpan[] | undefined;
  /** The traces of several, the span files read once. */
  traces(ids: string[]): TraceSpan[][] | undefined;
  /** Every email the stack's notification worker sent (its own maildev; a running stack's at localhost:1080). */
  emails(): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

/**
 * The whole stack for one e2e file, started with `tools/stack.mjs` (own databases `refarch_test_e2e_<id>_*`, own
 * messaging namespace and Redis prefix, restarts like Kubernetes), or — with `E2E_STACK_STATE_DIR=.stack` — a stack
 * already running (`npm run stack -- --restart`), whose admin token, accounts and pids are read from that folder.
 */
/** One span of `npm run trace -- <id> --json`: tree order, depth 0 = a root. */
export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  service: string;
  pid?: number;
  name: string;
  kind: string;
  status: 'OK' | 'ERROR';
  depth: number;
  orphan: boolean;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  startMs: number;
  durationMs: number;
}

export async function startStack(
  infra: { postgres: string; rabbitmq: string; redis: string },
  options: {
    traces?: boolean;
    faultProxy?: boolean;
    env?: Record<string, string>;
    /** Another start of a stopped stack: its id, so its databases, namespace, state folder and accounts. */
    id?: string;
  } = {},
): Promise<E2eStack> {
  const id = options.id ?? randomBytes(3).toString('hex');
  const running = process.env['E2E_STACK_STATE_DIR'];
  const dbPrefix = running ? (process.env['E2E_DB_PREFIX'] ?? 'refarch_') : `refarch_test_e2e_${id}_`;
  const stateDir = running ? path.resolve(root, running) : path.join(root, '.tmp', `e2e-${id}`);
  const namespace = `e2e-${id}`;
  let output = '';
  let child: ChildProcess | undefined;
  // The stack's SMTP sink: one of this run's own (the stack starts none when STACK_SMTP_URL is given).
  const mail = running ? undefined : await startMailSink();
  if (!running) {
    child = spawn(
      process.execPath,
      [
        path.join(root, 'tools/stack.mjs'),
        '--no-build',
        '--restart',
        '--db-prefix',
        dbPrefix,
        '--state-dir',
        stateDir,
        '--namespace',
        namespace,
        ...(options.traces ? ['--traces'] : []),
        // The fault proxy's API on a free port (its URL in <state-dir>/fault-proxy.json).
        ...(options.faultProxy ? ['--fault-proxy', '--fault-proxy-port', '0'] : []),
      ],
      // Short leases so crash recovery is observable within a test run; the gateway's per-user limit raised, since
      // one test user places bursts of 50 orders and polls them (the limit itself is tested in the gateway's suite).
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          LEASE_MS: '2000',
          POLL_MS: '100',
          RATE_LIMIT_POINTS: '100000',
          STACK_SMTP_URL: mail!.smtpUrl,
          ...options.env,
        },
      },
    );
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const started = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('Press Ctrl-C')) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
      started.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`the stack exited (${code}):\n${output}`));
      });
    });
  } else {
    output = '(a running stack)';
  }
  const read = (name: string) => readFileSync(path.join(stateDir, name), 'utf8');
  return {
    id,
    output: () => output,
    stateDir,
    dbPrefix,
    namespace,
    admin: { authorization: `Bearer ${read('admin-token').trim()}` },
    asService: (service) => serviceAuth(service, { caller: 'e2e', secret: read('service-token-secret').trim() }),
    accounts: JSON.parse(read('demo-accounts.json')) as DemoAccounts,
    pids: () => JSON.parse(read('pids.json')) as Record<string, number>,
    trace: (id) => traces(stateDir, [id])?.[0],
    traces: (ids) => traces(stateDir, ids),
    emails: async () =>
      mail ? mail.emails() : ((await (await fetch('http://127.0.0.1:1080/api/email')).json()) as ReceivedMail[]),
    async stop() {
      if (running || !child) return;
      if (child.exitCode === null) {
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        const code = await exited;
        if (code !== 0) throw new Error(`the stack stopped with ${code}:\n${output.slice(-2000)}`);
      }
      await mail?.stop();
      await cleanUp(infra, namespace, dbPrefix, stateDir);
    },
  };
}

/** The run's namespace on the broker and in Redis, and its databases. */
async function cleanUp(
  infra: { postgres: string; rabbitmq: string; redis: string },
  namespace: string,
  dbPrefix: string,
  stateDir: string,
) {
  // The consumer queues of the services the stack ran (its services.json, from the catalog) are named after them.
  const services = JSON.parse(readFileSync(path.join(stateDir, 'services.json'), 'utf8')) as {
    name: string;
    consumes: boolean;
  }[];
  await deleteMessagingNamespace(
    infra.rabbitmq,
    namespace,
    services.filter((s) => s.consumes).map((s) => s.name),
  );
  const redis = new Redis(infra.redis);
  const keys = await redis.keys(`${namespace}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await dropTestDatabases(infra.postgres, dbPrefix);
}

/** What `npm run trace -- <id>… --json` prints for each id: one run, the span files read once. */
function traces(stateDir: string, ids: string[]): TraceSpan[][] | undefined {
  if (!existsSync(path.join(stateDir, 'traces'))) return undefined;
  const run = spawnSync(
    process.execPath,
    [path.join(root, 'tools/trace.mjs'), ...ids, '--state-dir', stateDir, '--json'],
    {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    },
  );
  if (run.status !== 0) throw new Error(`npm run trace -- ${ids.join(' ')}: ${run.stderr}`);
  const printed = JSON.parse(run.stdout) as { spans: TraceSpan[] } | { spans: TraceSpan[] }[];
  return (Array.isArray(printed) ? printed : [printed]).map((t) => t.spans);
}

/**
 * What breaks a trace's connection, in words (none = connected): more than one root, a span whose parent was never
 * recorded, a consumer span not under the producer span of its message, an HTTP call with no server span under it.
 */
export function traceProblems(spans: TraceSpan[]): string[] {
  const problems: string[] = [];
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const roots = spans.filter((s) => s.depth === 0);
  if (roots.length !== 1)
    problems.push(`${roots.length} roots: ${roots.map((r) => `${r.service} ${r.name}`).join('; ')}`);
  for (const s of spans) {
    const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
    if (s.parentSpanId && !parent) problems.push(`${s.service} ${s.name}: parent ${s.parentSpanId} not recorded`);
    if (
      s.kind === 'consumer' &&
      parent &&
      !(parent.kind === 'producer' && parent.name === s.name.replace(/^process/, 'publish'))
    )
      problems.push(`${s.service} ${s.name}: under ${parent.service} ${parent.name}, not its message's publish span`);
    if (s.kind === 'client' && typeof s.attributes['url.full'] === 'string') {
      const served = spans.some((c) => c.parentSpanId === s.spanId && c.kind === 'server' && c.service !== s.service);
      if (!served) problems.push(`${s.service} ${s.name} ${s.attributes['url.full']}: no server span under it`);
    }
  }
  return problems;
}
