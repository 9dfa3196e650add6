// The conformance checks every backend service passes (docs/fork-a-service.md, "Conformance"). Each check takes a
// running service (its URL and the means to cut its dependencies) and returns what is wrong, [] when it conforms —
// so the same checks run on every service of the catalog and, to prove each can fail, on a service that breaks it.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ConfirmChannel } from 'amqplib';

export interface ServiceUnderCheck {
  name: string;
  url: string;
  adminToken: string;
  /** Dependencies that must fail readiness when cut, and those that only degrade it. */
  required: string[];
  optional: string[];
  /** Cuts (or restores) one dependency through the service's own TCP proxy. */
  cut(dependency: string): void;
  restore(dependency: string): void;
}

type Problems = string[];

async function http(base: string, path: string, init: RequestInit & { timeoutMs?: number } = {}) {
  const started = Date.now();
  const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 5_000) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body, text, ms: Date.now() - started };
}

const isProblem = (r: { status: number; headers: Headers; body: any }) =>
  /application\/problem\+json/.test(r.headers.get('content-type') ?? '') &&
  typeof r.body?.code === 'string' &&
  r.body.status === r.status;

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Liveness answers 200 without touching dependencies; readiness is 503 naming a cut dependency, 200 once back. */
export async function healthSemantics(s: ServiceUnderCheck): Promise<Problems> {
  const problems: Problems = [];
  const ready = () => http(s.url, '/health/ready');
  if (!(await until(async () => (await ready()).status === 200, 15_000))) {
    return [`/health/ready is not 200 with every dependency up`];
  }
  for (const dependency of [...s.required, ...s.optional]) {
    s.cut(dependency);
    try {
      const live = await http(s.url, '/health/live');
      if (live.status !== 200) problems.push(`/health/live is ${live.status} while ${dependency} is cut (must be 200)`);
      const expected = s.required.includes(dependency) ? 503 : 200;
      const named = await until(async () => {
        const r = await ready();
        const report = r.body?.error?.[dependency] ?? r.body?.details?.[dependency];
        return r.status === expected && (expected === 503 ? report?.status === 'down' : report?.degraded === true);
      }, 10_000);
      if (!named) {
        problems.push(
          expected === 503
            ? `/health/ready does not answer 503 naming ${dependency} while it is cut`
            : `/health/ready does not stay 200 reporting ${dependency} degraded while it is cut`,
        );
      }
    } finally {
      s.restore(dependency);
    }
    if (!(await until(async () => (await ready()).status === 200, 20_000))) {
      problems.push(`/health/ready is not 200 again after ${dependency} came back`);
    }
  }
  return problems;
}

/** `/metrics` parses, has the HTTP RED histogram by route template and the process and event-loop metrics, and
 * passes `promtool check metrics` (when promtool is installed). */
export async function metrics(s: ServiceUnderCheck, promtool = '/usr/bin/promtool'): Promise<Problems> {
  const problems: Problems = [];
  await http(s.url, '/health/ready');
  const r = await http(s.url, '/metrics');
  if (r.status !== 200 || !/^text\/plain/.test(r.headers.get('content-type') ?? '')) {
    return [`/metrics answers ${r.status} ${r.headers.get('content-type')}`];
  }
  for (const family of [
    'http_server_request_duration_seconds',
    'process_cpu_seconds_total',
    'nodejs_eventloop_lag_p99_seconds',
  ]) {
    if (!new RegExp(`^# TYPE ${family} `, 'm').test(r.text)) problems.push(`/metrics has no ${family}`);
  }
  if (!/^http_server_request_duration_seconds_count\{[^}]*route="\/health\/ready"/m.test(r.text)) {
    problems.push('/metrics has no request histogram labelled by route template (route="/health/ready")');
  }
  if (spawnSync(promtool, ['--version']).status === 0) {
    const check = spawnSync(promtool, ['check', 'metrics'], { input: r.text, encoding: 'utf8' });
    const said = `${check.stdout}${check.stderr}`.trim();
    if (check.status !== 0 || said) problems.push(`promtool check metrics: ${said.split('\n').slice(0, 3).join('; ')}`);
  }
  return problems;
}

/** Bad input is a 4xx problem+json with a stable code, never a 5xx. */
export async function badInput(s: ServiceUnderCheck): Promise<Problems> {
  const problems: Problems = [];
  const auth = { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' };
  const cases: [string, string, RequestInit][] = [
    ['an unknown route', '/conformance/no-such-route', {}],
    ['malformed JSON', '/admin/faults', { method: 'PUT', headers: auth, body: '{"mode": ' }],
    [
      'an unknown field',
      '/admin/faults',
      { method: 'PUT', headers: auth, body: JSON.stringify({ mode: 'off', x: 1 }) },
    ],
    [
      'an oversized body',
      '/admin/faults',
      { method: 'PUT', headers: auth, body: JSON.stringify({ mode: 'off', pad: 'x'.repeat(2 * 1024 * 1024) }) },
    ],
    ['a bad path id', '/admin/breakers/..%2F..%2Fetc%2Fpasswd%00', { headers: auth }],
  ];
  for (const [label, path, init] of cases) {
    // A server that answers 413 while the client still sends may reset the connection before the client reads the
    // answer (more likely on a loaded machine): such a request is tried again, twice at most.
    let r: Awaited<ReturnType<typeof http>> | undefined;
    let failure: Error | undefined;
    for (let attempt = 0; attempt < 3 && !r; attempt += 1) {
      r = await http(s.url, path, init).catch((error: Error) => ((failure = error), undefined));
    }
    if (!r) {
      problems.push(`${label} gets no answer (${failure?.message}), not a 4xx problem`);
      continue;
    }
    if (!(r.status >= 400 && r.status < 500) || !isProblem(r)) {
      problems.push(
        `${label} gets ${r.status}${isProblem(r) ? '' : ' without a problem+json code'}, not a 4xx problem`,
      );
    }
  }
  return problems;
}

/** `x-correlation-id` is echoed. */
export async function correlation(s: ServiceUnderCheck): Promise<Problems> {
  const id = `conformance-${Date.now()}`;
  const r = await http(s.url, '/health/live', { headers: { 'x-correlation-id': id } });
  return r.headers.get('x-correlation-id') === id ? [] : ['x-correlation-id is not echoed'];
}

/** The admin API needs its token; `error`, `latency` and `hang` each do what they say, and `off` ends them. */
export async function adminFaults(s: ServiceUnderCheck): Promise<Problems> {
  const problems: Problems = [];
  const set = (body: unknown, token: string | null = s.adminToken) =>
    http(s.url, '/admin/faults', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const probe = '/conformance/probe';
  if ((await set({ mode: 'error' }, null)).status !== 401) problems.push('/admin/faults without the token is not 401');
  if ((await set({ mode: 'error' }, 'wrong-token-wrong-token')).status !== 401) {
    problems.push('/admin/faults with a wrong token is not 401');
  }
  try {
    await set({ mode: 'error', errorRate: 1 });
    const failed = await http(s.url, probe);
    if (failed.status !== 503 || failed.body?.code !== 'FAULT.INJECTED') {
      problems.push(
        `mode error: a request gets ${failed.status}${failed.body?.code ? ` ${failed.body.code}` : ''}, not 503 FAULT.INJECTED`,
      );
    }
    const live = await http(s.url, '/health/live');
    if (live.status !== 200) problems.push('mode error also breaks /health/live');
    await set({ mode: 'latency', errorRate: 1, latencyMs: 400 });
    const slow = await http(s.url, probe);
    if (slow.ms < 400) problems.push(`mode latency 400 ms: a request answered in ${slow.ms} ms`);
    await set({ mode: 'hang', errorRate: 1 });
    const hung = await http(s.url, probe, { timeoutMs: 800 }).then(
      () => false,
      () => true,
    );
    if (!hung) problems.push('mode hang: a request was answered');
  } finally {
    await set({ mode: 'off' });
  }
  const after = await http(s.url, probe);
  if (after.status === 503) problems.push('mode off: requests still fail');
  return problems;
}

/** A bad environment exits non-zero and names every bad variable in one message. */
export async function badEnvironment(
  command: { args: string[]; cwd: string; env: Record<string, string> },
  bad: Record<string, string>,
): Promise<Problems> {
  const child = spawn(process.execPath, command.args, { cwd: command.cwd, env: { ...command.env, ...bad } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const problems: Problems = [];
  if (code === 0 || code === null) problems.push(`a bad environment does not exit non-zero (${code ?? 'killed'})`);
  const missing = Object.keys(bad).filter((name) => !output.includes(name));
  if (missing.length) problems.push(`the start-up error does not name ${missing.join(', ')}`);
  if (/\n\s+at .*\(.*:\d+:\d+\)/.test(output)) problems.push('the start-up error is a stack trace');
  return problems;
}

/** SIGTERM during a burst: every request accepted is answered, and the process exits 0 within 10 s. */
export async function gracefulShutdown(
  s: ServiceUnderCheck,
  process_: { kill(signal: NodeJS.Signals): void; exited: Promise<number | null> },
): Promise<Problems> {
  const problems: Problems = [];
  const auth = { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' };
  // A burst of slow requests (latency fault), in flight when SIGTERM arrives.
  await http(s.url, '/admin/faults', {
    method: 'PUT',
    headers: auth,
    body: JSON.stringify({ mode: 'latency', latencyMs: 1_000 }),
  });
  const burst = Array.from({ length: 20 }, () => http(s.url, '/conformance/probe', { timeoutMs: 15_000 }));
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  process_.kill('SIGTERM');
  const results = await Promise.allSettled(burst);
  const dropped = results.filter((r) => r.status === 'rejected').length;
  if (dropped) problems.push(`${dropped} of 20 requests in flight at SIGTERM got no answer`);
  const code = await Promise.race([
    process_.exited,
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 12_000)),
  ]);
  if (code === 'timeout') problems.push('the process did not exit within 10 s of SIGTERM');
  else if (code !== 0) problems.push(`the process exited ${code} after SIGTERM (must be 0)`);
  else if (Date.now() - started > 10_000) problems.push(`the process took ${Date.now() - started} ms to exit`);
  return problems;
}

/** Its Kubernetes Deployment probes the real routes on the container's port. */
export function kubernetesEntry(name: string, rendered: any[]): Problems {
  const deployment = rendered.find((o) => o.kind === 'Deployment' && o.metadata?.name === name);
  if (!deployment) return [`k8s/base renders no Deployment ${name}`];
  const container = deployment.spec.template.spec.containers[0];
  const ports = new Map<string | number, number>(
    (container.ports ?? []).flatMap((p: { name?: string; containerPort: number }) => [
      [p.containerPort, p.containerPort],
      ...(p.name ? ([[p.name, p.containerPort]] as const) : []),
    ]),
  );
  const problems: Problems = [];
  for (const [probe, path] of [
    ['livenessProbe', '/health/live'],
    ['readinessProbe', '/health/ready'],
  ] as const) {
    const get = container[probe]?.httpGet;
    if (get?.path !== path) problems.push(`${probe} does not GET ${path}`);
    if (!ports.has(get?.port)) problems.push(`${probe} port ${get?.port} is not a port of the container`);
  }
  return problems;
}

/** A request that makes a service call another or publish (its catalog entry's `traceProbe`). */
export interface TraceProbe {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What the trace check needs of a service that consumes messages: its broker, namespace and queue. */
export interface MessagingUnderCheck {
  rabbitmqUrl: string;
  namespace: string;
  /** The queue it consumes commands on (events reach it by their bindings). */
  queue: string;
  /** Trace ids of the HTTP requests it has sent to the services it calls (a recording server stands in for them). */
  outboundTraceIds(): string[];
}

const traceIdOf = (traceparent: unknown) =>
  typeof traceparent === 'string' ? (/^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent)?.[1] ?? '') : '';

type Published = { type: string; traceId: string };

/**
 * Runs `act` with a tap on the namespace's events exchange (the service declared it at start): `seen` collects what
 * is published meanwhile — by anyone but `act`, whose own envelopes it adds to `ours` — with each message's trace id.
 */
async function withEventTap(
  m: { rabbitmqUrl: string; namespace: string },
  act: (channel: ConfirmChannel, exchange: string, ours: Set<string>, seen: Published[]) => Promise<Problems>,
): Promise<Problems> {
  const { default: amqp } = await import('amqplib');
  const exchange = `${m.namespace}.refarch.events`;
  const connection = await amqp.connect(m.rabbitmqUrl);
  try {
    const channel = await connection.createConfirmChannel();
    await channel.checkExchange(exchange);
    const tap = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(tap.queue, exchange, '#');
    const ours = new Set<string>();
    const seen: Published[] = [];
    await channel.consume(
      tap.queue,
      (msg) => {
        if (!msg) return;
        const envelope = JSON.parse(msg.content.toString()) as { id: string; type: string };
        if (!ours.has(envelope.id))
          seen.push({ type: envelope.type, traceId: traceIdOf(msg.properties.headers?.['traceparent']) });
      },
      { noAck: true },
    );
    return await act(channel, exchange, ours, seen);
  } finally {
    await connection.close();
  }
}

/** What did not carry `traceId` of what `cause` made it send. */
function continuationProblems(traceId: string, calls: string[], seen: Published[], cause: string): Problems {
  const problems: Problems = [];
  const strays = calls.filter((id) => id !== traceId).length;
  if (strays) problems.push(`${strays} of ${calls.length} outbound HTTP calls did not continue ${cause}'s trace`);
  for (const { type, traceId: sent } of seen) {
    if (sent !== traceId) problems.push(`published ${type} did not continue ${cause}'s trace (${sent || 'none'})`);
  }
  return problems;
}

const traceparentOf = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

/**
 * `traceparent` is continued: every message type of the contracts (its example) is delivered to the service with one
 * trace id — events on the namespace's exchange, commands to its queue — and every HTTP call and message it sends in
 * the next seconds (outbox included) must carry that trace id. A service that sends nothing passes: there is nothing
 * to continue. What it sends because of an HTTP request: {@link httpTraceContinuation}.
 */
export async function traceContinuation(m: MessagingUnderCheck, waitMs = 4_000): Promise<Problems> {
  const { COMMANDS, createEnvelope, MESSAGE_EXAMPLES } = await import('@refarch/contracts');
  const traceId = randomBytes(16).toString('hex');
  return withEventTap(m, async (channel, exchange, ours, seen) => {
    const before = m.outboundTraceIds().length;
    for (const [type, data] of Object.entries(MESSAGE_EXAMPLES)) {
      const envelope = createEnvelope(type as keyof typeof MESSAGE_EXAMPLES, data as never, {
        correlationId: `conformance-trace-${traceId.slice(0, 8)}`,
      });
      ours.add(envelope.id);
      const options = {
        persistent: true,
        contentType: 'application/json',
        messageId: envelope.id,
        type,
        headers: { traceparent: traceparentOf(traceId) },
      };
      const body = Buffer.from(JSON.stringify(envelope));
      if (COMMANDS.has(type as never)) channel.sendToQueue(`${m.namespace}.${m.queue}`, body, options);
      else channel.publish(exchange, type, body, options);
    }
    await channel.waitForConfirms();
    await new Promise((r) => setTimeout(r, waitMs));
    return continuationProblems(traceId, m.outboundTraceIds().slice(before), seen, 'the message');
  });
}

/**
 * A request of the service's catalog `traceProbe` (one that makes it call a service or publish), sent with a
 * `traceparent`: every HTTP call and message it causes in the next seconds must carry that trace id — and it must
 * cause one, or the probe proves nothing. `{uuid}` in the probe's headers is replaced by a fresh UUID.
 */
export async function httpTraceContinuation(
  s: ServiceUnderCheck,
  probe: TraceProbe,
  m: Omit<MessagingUnderCheck, 'queue'>,
  waitMs = 3_000,
  credentials: { userToken?: () => Promise<string>; service?: () => Promise<Record<string, string>> } = {},
): Promise<Problems> {
  const traceId = randomBytes(16).toString('hex');
  const token = Object.values(probe.headers ?? {}).some((v) => v.includes('{user-token}'))
    ? await credentials.userToken?.()
    : undefined;
  // A probe that names no credential is sent as another service would send it (libs/bootstrap identity.ts).
  const caller = Object.keys(probe.headers ?? {}).some((k) => k.toLowerCase() === 'authorization')
    ? {}
    : ((await credentials.service?.()) ?? {});
  return withEventTap(m, async (_channel, _exchange, _ours, seen) => {
    const before = m.outboundTraceIds().length;
    const headers = Object.fromEntries(
      Object.entries(probe.headers ?? {}).map(([k, v]) => [
        k,
        v.replaceAll('{uuid}', randomUUID()).replaceAll('{user-token}', token ?? ''),
      ]),
    );
    const res = await fetch(`${s.url}${probe.path}`, {
      method: probe.method,
      headers: {
        ...(probe.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...caller,
        ...headers,
        traceparent: traceparentOf(traceId),
      },
      ...(probe.body === undefined ? {} : { body: JSON.stringify(probe.body) }),
    });
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, waitMs));
    const calls = m.outboundTraceIds().slice(before);
    if (calls.length === 0 && seen.length === 0)
      return [`${probe.method} ${probe.path} (answered ${res.status}) made no HTTP call and published nothing`];
    return continuationProblems(traceId, calls, seen, 'the request');
  });
}
