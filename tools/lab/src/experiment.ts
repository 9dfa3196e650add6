// An experiment (docs/lab.md): a load profile that runs throughout; a steady-state hypothesis checked before the
// faults (no green start, no run) and after the rollback; faults on a timeline (a service fault through the Lab's
// API, SIGKILL of a process or deletion of a pod, a network fault on one link of the fault proxy); rollbacks that
// always run; resilience assertions judged on the services' metrics of the same timeline; `verify` at the end.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import type { Clock } from './clock.js';
import { Http } from './http.js';
import { metricSource, MetricsTimeline, type Series } from './metrics.js';
import type { Profile } from './profiles.js';
import { runProfile, type RunResult } from './run.js';
import { signIn } from './scenarios.js';
import { parseDuration } from './units.js';
import { verify, type VerifyResult } from './verify.js';

export type FaultSpec = { at: string; for?: string } & (
  | { kind: 'service'; service: string; mode: 'error' | 'latency' | 'hang'; errorRate?: number; latencyMs?: number }
  | { kind: 'kill'; service: string }
  | { kind: 'network'; link: string; mode: 'latency' | 'timeout' | 'reset' | 'down'; latencyMs?: number }
);

export type ProbeSpec =
  | { probe: 'http'; path: string; status?: number; admin?: boolean }
  | { probe: 'metric'; metric: string; labels?: Record<string, string>; service?: string; max?: number; min?: number };

export type AssertionSpec =
  | { assert: 'breaker'; breaker: string; opensWithin: string; closesWithin: string }
  | { assert: 'retries'; service: string; dependency: string; ratio?: number; allowance?: number }
  | { assert: 'orders terminal' }
  | { assert: 'outbox drained'; within?: string }
  | { assert: 'dlqs'; expect?: Record<string, number> }
  | { assert: 'restarted'; service: string; within: string };

export interface Experiment {
  name: string;
  description: string;
  /** The load that runs throughout: a profile's fields over the shopper defaults (4 orders/s for 20 s). */
  load?: Partial<Omit<Profile, 'load'>> & { load?: Partial<Profile['load']> };
  /** Checked before the faults and after the rollback (default: the gateway ready and no breaker open). */
  steadyState?: ProbeSpec[];
  faults: FaultSpec[];
  assertions: AssertionSpec[];
  /** How long after the load the steady state may take to come back (default 30 s). */
  settle?: string;
}

export interface FaultWindow {
  fault: string;
  kind: FaultSpec['kind'];
  /** Seconds of the run: injected at `from`, rolled back at `to` (a kill: `to` = `from`). */
  from: number;
  to: number;
}

export interface Judgement {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ExperimentResult {
  experiment: Experiment;
  load: RunResult;
  metrics: MetricsTimeline;
  windows: FaultWindow[];
  before: Judgement[];
  after: Judgement[];
  assertions: Judgement[];
  verify?: VerifyResult;
  verifyError?: string;
  ok: boolean;
}

export interface ExperimentOptions {
  baseUrl: string;
  admin: { email: string; password: string; who?: string };
  /** The local stack's state directory (services.json, pids.json, fault-proxy.json); default .stack. */
  stateDir?: string;
  /** Faults on MicroK8s: pods deleted with kubectl in this namespace; metrics from `prometheus`. */
  kubernetes?: { namespace: string };
  prometheus?: string;
  /** The load's arrival rate instead of the experiment's. */
  rate?: number;
  /** The load's duration instead of the experiment's (CI runs each shipped experiment for 12 s). */
  duration?: string;
  clock: Clock;
  log: (line: string) => void;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

const DEFAULT_PROFILE: Profile = {
  name: 'experiment',
  description: 'the load of an experiment',
  scenario: 'shopper',
  users: 10,
  orderTimeout: '90s',
  load: { executor: 'constant-arrival-rate', rate: 4, duration: '20s', maxInFlight: 400 },
  thresholds: [],
};

/**
 * The gateway ready, and no breaker open. Half-open (1) is allowed: a breaker whose dependency recovered stays
 * half-open until its next call probes it, and with the load over, one behind a cache may see no call for long.
 */
const DEFAULT_STEADY_STATE: ProbeSpec[] = [
  { probe: 'http', path: '/health/ready', status: 200 },
  { probe: 'metric', metric: 'circuit_breaker_state', max: 1 },
];

/** Every problem of an experiment, as lines (an empty list when it can run). */
export function experimentProblems(e: Experiment): string[] {
  const problems: string[] = [];
  const duration = (value: unknown, where: string) => {
    try {
      parseDuration(String(value), where);
    } catch (error) {
      problems.push((error as Error).message);
    }
  };
  if (typeof e.name !== 'string' || !e.name) problems.push('name is required');
  if (!Array.isArray(e.faults)) problems.push('faults must be a list');
  if (!Array.isArray(e.assertions)) problems.push('assertions must be a list');
  for (const [i, f] of (e.faults ?? []).entries()) {
    duration(f.at, `faults[${i}].at`);
    if (f.kind !== 'kill') duration(f.for, `faults[${i}].for`);
    if (!['service', 'kill', 'network'].includes(f.kind)) problems.push(`faults[${i}].kind: service, kill or network`);
    if (f.kind === 'network' && !/^[a-z*][a-z0-9-]*->[a-z]+$/.test(f.link ?? ''))
      problems.push(`faults[${i}].link: <service>-><dependency>, or *-><dependency> for every service`);
  }
  for (const [i, a] of (e.assertions ?? []).entries()) {
    if (a.assert === 'breaker') {
      duration(a.opensWithin, `assertions[${i}].opensWithin`);
      duration(a.closesWithin, `assertions[${i}].closesWithin`);
    } else if (a.assert === 'restarted') duration(a.within, `assertions[${i}].within`);
    else if (!['retries', 'orders terminal', 'outbox drained', 'dlqs'].includes(a.assert))
      problems.push(`assertions[${i}].assert: breaker, retries, orders terminal, outbox drained, dlqs or restarted`);
  }
  if (e.settle !== undefined) duration(e.settle, 'settle');
  return problems;
}

/** What a fault is called in the report: `payment-service error 100%`, `order-service->postgres down`. */
export function faultName(f: FaultSpec): string {
  if (f.kind === 'kill') return `SIGKILL ${f.service}`;
  if (f.kind === 'service') {
    return `${f.service} ${f.mode}${f.mode === 'latency' ? ` ${f.latencyMs ?? 1000} ms` : ''}${f.errorRate !== undefined && f.errorRate < 1 ? ` ${Math.round(f.errorRate * 100)}%` : ''}`;
  }
  return `${f.link} ${f.mode}${f.mode === 'latency' ? ` ${f.latencyMs} ms` : ''}`;
}

const run = promisify(execFile);

/** Injects faults and keeps their rollbacks: each rollback runs once, whatever happens. */
class FaultInjector {
  private readonly rollbacks = new Map<FaultSpec, () => Promise<void>>();

  constructor(
    private readonly http: Http,
    private readonly auth: Record<string, string>,
    private readonly options: ExperimentOptions,
  ) {}

  private stateFile(name: string): string {
    return path.join(this.options.stateDir ?? '.stack', name);
  }

  /** The links of the fault proxy a network fault names (`*->rabbitmq`: every service's). */
  private async links(spec: string): Promise<{ proxy: string; links: string[] }> {
    // runExperiment checked that the stack runs one before any fault.
    const { url } = JSON.parse(readFileSync(this.stateFile('fault-proxy.json'), 'utf8')) as { url: string };
    const res = await request(`${url}/links`);
    const { links } = (await res.body.json()) as { links: { name: string }[] };
    const [service, dependency] = spec.split('->');
    const names = links
      .map((l) => l.name)
      .filter((n) => (service === '*' ? n.endsWith(`->${dependency}`) : n === spec));
    if (!names.length)
      throw new Error(`no link ${spec} on the fault proxy (it has ${links.map((l) => l.name).join(', ')})`);
    return { proxy: url, links: names };
  }

  async inject(fault: FaultSpec): Promise<void> {
    if (fault.kind === 'service') {
      const body = { mode: fault.mode, errorRate: fault.errorRate ?? 1, latencyMs: fault.latencyMs ?? 1_000 };
      await this.setServiceFault(fault.service, body);
      this.rollbacks.set(fault, () => this.setServiceFault(fault.service, { mode: 'off' }));
    } else if (fault.kind === 'network') {
      const { proxy, links } = await this.links(fault.link);
      const put = (mode: string, latencyMs?: number) =>
        Promise.all(
          links.map(async (link) => {
            const res = await request(`${proxy}/links/${encodeURIComponent(link)}`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ mode, latencyMs }),
            });
            const text = await res.body.text();
            if (res.statusCode !== 200) throw new Error(`the fault proxy refused ${link} ${mode}: ${text}`);
          }),
        );
      this.rollbacks.set(fault, async () => void (await put('none')));
      await put(fault.mode, fault.latencyMs);
    } else if (this.options.kubernetes) {
      const { namespace } = this.options.kubernetes;
      await run('kubectl', [
        'delete',
        'pod',
        '-n',
        namespace,
        '-l',
        `app.kubernetes.io/name=${fault.service}`,
        '--grace-period=0',
        '--force',
        '--wait=false',
      ]);
    } else {
      const pids = JSON.parse(readFileSync(this.stateFile('pids.json'), 'utf8')) as Record<string, number>;
      const pid = pids[fault.service];
      if (!pid) throw new Error(`no process for ${fault.service} in ${this.stateFile('pids.json')}`);
      process.kill(pid, 'SIGKILL');
    }
  }

  private async setServiceFault(service: string, body: Record<string, unknown>) {
    const res = await this.http.send('PUT', `/api/lab/faults/${service}`, { body, headers: this.auth });
    if (res.status !== 200) {
      throw new Error(`PUT /api/lab/faults/${service} answered ${res.status} ${res.text.slice(0, 200)}`);
    }
  }

  /** Rolls one fault back (once); a fault without a rollback (a kill) is done. */
  async rollback(fault: FaultSpec): Promise<void> {
    const undo = this.rollbacks.get(fault);
    this.rollbacks.delete(fault);
    await undo?.();
  }

  /** Every rollback still to run; keeps going past a failing one and reports them all. */
  async rollbackAll(): Promise<string[]> {
    const failures: string[] = [];
    for (const fault of [...this.rollbacks.keys()]) {
      await this.rollback(fault).catch((error: Error) => failures.push(`${faultName(fault)}: ${error.message}`));
    }
    return failures;
  }
}

/** The value of a metric's series at its last point (the latest scrape). */
const last = (s: Series) => s.points.at(-1)?.[1];

/** A counter's increase over the run, across restarts (a drop is a new process counting from 0). */
export function increase(series: Series[]): number {
  let total = 0;
  for (const s of series) {
    for (let i = 1; i < s.points.length; i++) {
      const [, before] = s.points[i - 1]!;
      const [, now] = s.points[i]!;
      total += now >= before ? now - before : now;
    }
  }
  return total;
}

async function checkProbes(
  probes: ProbeSpec[],
  http: Http,
  auth: Record<string, string>,
  metrics: () => Promise<MetricsTimeline>,
): Promise<Judgement[]> {
  const judgements: Judgement[] = [];
  let snapshot: MetricsTimeline | undefined;
  for (const probe of probes) {
    if (probe.probe === 'http') {
      const res = await http.send('GET', probe.path, { headers: probe.admin ? auth : {}, timeoutMs: 5_000 });
      const want = probe.status ?? 200;
      judgements.push({
        name: `GET ${probe.path} ${want}`,
        ok: res.status === want,
        detail: res.status === want ? `${res.status}` : `answered ${res.status || res.text}`,
      });
    } else {
      snapshot ??= await metrics();
      const series = snapshot.find(probe.metric, probe.labels, probe.service);
      const name = `${probe.metric}${probe.labels ? JSON.stringify(probe.labels) : ''}${probe.max !== undefined ? ` ≤ ${probe.max}` : ''}${probe.min !== undefined ? ` ≥ ${probe.min}` : ''}`;
      const bad = series.filter((s) => {
        const v = last(s);
        return (
          v === undefined || (probe.max !== undefined && v > probe.max) || (probe.min !== undefined && v < probe.min)
        );
      });
      judgements.push({
        name,
        ok: series.length > 0 && bad.length === 0,
        detail: !series.length
          ? 'no such series'
          : bad.length
            ? bad.map((s) => `${s.service} ${JSON.stringify(s.labels)} = ${last(s)}`).join('; ')
            : `${series.length} series hold`,
      });
    }
  }
  return judgements;
}

/** The first second ≥ `from` where `pred` holds for some series, or undefined. */
function firstSecond(series: Series[], from: number, pred: (v: number) => boolean): number | undefined {
  let found: number | undefined;
  for (const s of series) {
    const hit = s.points.find(([second, v]) => second >= from && pred(v));
    if (hit && (found === undefined || hit[0] < found)) found = hit[0];
  }
  return found;
}

export function judgeAssertions(
  assertions: AssertionSpec[],
  context: { metrics: MetricsTimeline; windows: FaultWindow[]; load: RunResult },
): Judgement[] {
  const { metrics, windows, load } = context;
  const firstFault = windows.length ? Math.min(...windows.map((w) => w.from)) : 0;
  const lastRollback = windows.length ? Math.max(...windows.map((w) => w.to)) : 0;
  return assertions.map((a): Judgement => {
    switch (a.assert) {
      case 'breaker': {
        const series = metrics.find('circuit_breaker_state', { breaker: a.breaker });
        const name = `breaker ${a.breaker} opened within ${a.opensWithin} and closed within ${a.closesWithin} of the rollback`;
        if (!series.length) return { name, ok: false, detail: 'no such breaker in the metrics' };
        const opensBy = parseDuration(a.opensWithin, 'opensWithin') / 1_000;
        const closesBy = parseDuration(a.closesWithin, 'closesWithin') / 1_000;
        const opened = firstSecond(series, firstFault, (v) => v === 2);
        if (opened === undefined) return { name, ok: false, detail: 'it never opened' };
        if (opened - firstFault > opensBy) {
          return { name, ok: false, detail: `it opened ${opened - firstFault} s after the fault` };
        }
        const closed = firstSecond(series, Math.max(lastRollback, opened), (v) => v === 0);
        if (closed === undefined)
          return { name, ok: false, detail: `opened after ${opened - firstFault} s, never closed` };
        const ok = closed - lastRollback <= closesBy;
        return {
          name,
          ok,
          detail: `opened ${opened - firstFault} s after the fault, closed ${closed - lastRollback} s after the rollback`,
        };
      }
      case 'retries': {
        const ratio = a.ratio ?? 0.2;
        // The budget's ceiling (maxTokens): a caller spends in the run what it saved before it, up to 100 retries.
        const allowance = a.allowance ?? 100; // libs/resilience DEFAULT_RETRY_BUDGET.maxTokens
        const retries = increase(
          metrics.find('retry_attempts_total', { dependency: a.dependency, outcome: 'retry' }, a.service),
        );
        const calls = increase(
          metrics.find('circuit_breaker_calls_total', { breaker: `${a.service}->${a.dependency}` }),
        );
        const firsts = Math.max(0, calls - retries);
        const budget = ratio * firsts + allowance;
        return {
          name: `${a.service}'s retries of ${a.dependency} within budget (${ratio} per call + ${allowance})`,
          ok: retries <= budget,
          detail: `${retries} retries for ${firsts} first attempts (budget ${Math.floor(budget)})`,
        };
      }
      case 'orders terminal': {
        const timedOut = load.recorder.countOf('orders timed out');
        const placed = load.recorder.countOf('orders placed');
        const { passes, fails } = load.recorder.rateOf('orders completed');
        return {
          name: 'every order reached APPROVED or REJECTED',
          ok: timedOut === 0 && placed > 0 && fails === 0,
          detail: `${passes} of ${placed} placed completed, ${timedOut} timed out, ${load.recorder.countOf('orders abandoned')} abandoned`,
        };
      }
      case 'outbox drained': {
        const series = metrics.find('outbox_pending');
        const left = series.filter((s) => (last(s) ?? 0) > 0);
        return {
          name: 'the outbox backlog drained to 0',
          ok: series.length > 0 && left.length === 0,
          detail: left.length
            ? left.map((s) => `${s.service} ${last(s)}`).join(', ')
            : `${series.length} outboxes at 0 (the most pending: ${Math.max(0, ...series.flatMap((s) => s.points.map(([, v]) => v).filter(Number.isFinite)))})`,
        };
      }
      case 'dlqs': {
        const expected = a.expect ?? {};
        const wrong: string[] = [];
        const grew: string[] = [];
        for (const s of metrics.find('dlq_messages')) {
          const queue = s.labels.queue ?? s.service;
          const first = s.points.find(([, v]) => Number.isFinite(v))?.[1] ?? 0;
          const delta = (last(s) ?? 0) - first;
          if (delta !== 0) grew.push(`${queue} +${delta}`);
          if (delta !== (expected[queue] ?? 0)) wrong.push(`${queue} +${delta} (expected +${expected[queue] ?? 0})`);
        }
        return {
          name: Object.keys(expected).length ? `the DLQs hold what was expected` : 'no message went to a DLQ',
          ok: wrong.length === 0,
          detail: wrong.length ? wrong.join(', ') : grew.length ? grew.join(', ') : 'every DLQ as it was',
        };
      }
      case 'restarted': {
        const series = metrics.find('up', {}, a.service);
        const within = parseDuration(a.within, 'within') / 1_000;
        const name = `${a.service} answered again within ${a.within} of the kill`;
        const down = firstSecond(series, firstFault, (v) => v === 0);
        if (down === undefined) return { name, ok: false, detail: 'it never stopped answering (was it killed?)' };
        const up = firstSecond(series, down, (v) => v === 1);
        if (up === undefined) return { name, ok: false, detail: `down from ${down} s, never back` };
        return { name, ok: up - firstFault <= within, detail: `down at ${down} s, back at ${up} s` };
      }
    }
  });
}

/**
 * Runs one experiment: steady state (no green start, no run), load with the faults on its timeline, rollbacks
 * (always), the steady state again (waiting up to `settle`), the assertions, then verify.
 */
export async function runExperiment(experiment: Experiment, options: ExperimentOptions): Promise<ExperimentResult> {
  const problems = experimentProblems(experiment);
  if (problems.length) throw new Error(`experiment ${experiment.name}:\n  ${problems.join('\n  ')}`);
  const { clock, log } = options;
  const source = metricSource(options);
  if (!source) {
    throw new Error(
      `no metrics to judge on: no ${path.join(options.stateDir ?? '.stack', 'services.json')} (a local npm run stack), and no --prometheus URL`,
    );
  }
  const stackFile = path.join(options.stateDir ?? '.stack', 'stack.json');
  if (!options.kubernetes && experiment.faults.some((f) => f.kind === 'kill') && existsSync(stackFile)) {
    const { restart } = JSON.parse(readFileSync(stackFile, 'utf8')) as { restart?: boolean };
    if (!restart) {
      throw new Error(
        'a kill fault needs a stack that restarts what it kills (as Kubernetes would): npm run stack -- --restart',
      );
    }
  }
  const network = experiment.faults.some((f) => f.kind === 'network');
  if (network && (options.kubernetes || !existsSync(path.join(options.stateDir ?? '.stack', 'fault-proxy.json')))) {
    throw new Error(
      options.kubernetes
        ? 'network faults need the local fault proxy: none on MicroK8s (use a service or kill fault there)'
        : 'a network fault needs the fault proxy: start the stack with npm run stack -- --fault-proxy',
    );
  }
  const http = new Http(options.baseUrl, clock);
  const auth = await signIn(http, options.admin, options.admin.who ?? 'the admin');
  const snapshot = async () => {
    const m = new MetricsTimeline(source, clock);
    await m.scrape();
    return m;
  };
  const steadyState = experiment.steadyState ?? DEFAULT_STEADY_STATE;
  const injector = new FaultInjector(http, auth, options);
  const metrics = new MetricsTimeline(source, clock);
  const windows: FaultWindow[] = [];
  const timers: NodeJS.Timeout[] = [];
  const faultErrors: string[] = [];
  try {
    const before = await checkProbes(steadyState, http, auth, snapshot);
    for (const j of before) log(`steady state before: ${j.ok ? '✓' : '✗'} ${j.name} — ${j.detail}`);
    if (before.some((j) => !j.ok)) {
      throw new Error('the steady state does not hold before the faults: no green start, no run');
    }
    const base = experiment.load ?? {};
    const profile: Profile = {
      ...DEFAULT_PROFILE,
      ...base,
      name: experiment.name,
      description: experiment.description,
      load: {
        ...DEFAULT_PROFILE.load,
        ...base.load,
        ...(options.rate ? { rate: options.rate } : {}),
        ...(options.duration ? { duration: options.duration } : {}),
      } as Profile['load'],
      thresholds: base.thresholds ?? [],
    };
    let origin = 0;
    const second = () => Math.round((clock.now() - origin) / 1_000);
    const load = await runProfile(profile, {
      baseUrl: options.baseUrl,
      admin: options.admin,
      clock,
      signal: options.signal,
      log,
      progress: options.progress,
      onStart: (at) => {
        origin = at;
        metrics.start(at);
        for (const fault of experiment.faults) {
          const at = parseDuration(fault.at, 'at');
          const name = faultName(fault);
          timers.push(
            setTimeout(() => {
              const window: FaultWindow = { fault: name, kind: fault.kind, from: second(), to: second() };
              windows.push(window);
              log(`fault at ${window.from} s: ${name}`);
              injector.inject(fault).catch((error: Error) => faultErrors.push(`${name}: ${error.message}`));
              if (fault.kind === 'kill') return;
              timers.push(
                setTimeout(
                  () => {
                    window.to = second();
                    log(`rollback at ${window.to} s: ${name}`);
                    injector
                      .rollback(fault)
                      .catch((error: Error) => faultErrors.push(`rollback of ${name}: ${error.message}`));
                  },
                  parseDuration(fault.for!, 'for'),
                ),
              );
            }, at),
          );
        }
      },
    });
    for (const t of timers) clearTimeout(t);
    faultErrors.push(...(await injector.rollbackAll()));
    for (const w of windows) if (w.kind !== 'kill' && w.to === w.from) w.to = second();
    // The steady state again, waiting up to `settle` for it (the metrics keep their timeline meanwhile).
    const settleBy = clock.now() + parseDuration(experiment.settle ?? '30s', 'settle');
    let after: Judgement[];
    for (;;) {
      // One scrape serves the metric probes and the outbox check.
      const now = await snapshot();
      after = await checkProbes(steadyState, http, auth, () => Promise.resolve(now));
      const outbox = now.find('outbox_pending').some((s) => (last(s) ?? 0) > 0);
      if ((after.every((j) => j.ok) && !outbox) || clock.now() >= settleBy || options.signal?.aborted) break;
      await clock.sleep(1_000, options.signal);
    }
    // One last scrape now, so the timeline ends with the state the steady state was judged on.
    await metrics.stop();
    await metrics.scrape();
    for (const j of after) log(`steady state after: ${j.ok ? '✓' : '✗'} ${j.name} — ${j.detail}`);
    const assertions = judgeAssertions(experiment.assertions, { metrics, windows, load });
    if (faultErrors.length) {
      assertions.unshift({
        name: 'every fault was injected and rolled back',
        ok: false,
        detail: faultErrors.join('; '),
      });
    }
    let verified: VerifyResult | undefined;
    let verifyError: string | undefined;
    try {
      verified = await verify(http, options.admin, { waitMs: 30_000, clock, log });
    } catch (error) {
      verifyError = (error as Error).message;
    }
    const ok =
      after.every((j) => j.ok) &&
      assertions.every((j) => j.ok) &&
      load.verdicts.every((v) => v.ok) &&
      !!verified &&
      verified.violations.length === 0;
    return { experiment, load, metrics, windows, before, after, assertions, verify: verified, verifyError, ok };
  } finally {
    for (const t of timers) clearTimeout(t);
    const failures = await injector.rollbackAll();
    for (const f of failures) log(`rollback failed: ${f}`);
    await metrics.stop();
    await http.close();
  }
}
