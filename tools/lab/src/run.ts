// One load run: set-up (the scenario's shoppers), the executor on the profile's schedule, thresholds judged every
// second (sliding windows, abort-on-fail), a live progress line, then the summary.
import { setMaxListeners } from 'node:events';
import { systemClock, type Clock } from './clock.js';
import { durationOf, rateAt, runExecutor, validateSpec, type ExecutorResult } from './executors.js';
import { Http } from './http.js';
import type { Profile } from './profiles.js';
import { ERRORS, Recorder } from './recorder.js';
import { prepareScenario, SCENARIOS, signIn } from './scenarios.js';
import { parseThreshold, ThresholdJudge, type Threshold, type Verdict } from './thresholds.js';
import { formatMs, parseDuration } from './units.js';

export interface RunOptions {
  baseUrl: string;
  extraThresholds?: string[];
  /** `who`: where the credentials came from, for the error when they are refused. */
  admin?: { email: string; password: string; who?: string };
  /** Before the run, top every product up to this many units (the Lab's restock; needs `admin`). */
  restockTo?: number;
  clock?: Clock;
  /** The live progress line (one call a second). */
  progress?: (line: string) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Called when the load starts (after the set-up), with the clock's time: second 0 of the run's timeline. */
  onStart?: (at: number) => void;
}

export interface RunResult {
  profile: Profile;
  executor: ExecutorResult;
  verdicts: Verdict[];
  abortedBy?: Verdict;
  /** The arrival rate when the first aborting threshold broke (breakpoint: the knee). */
  kneeRate?: number;
  recorder: Recorder;
}

/** Every problem of a profile, as lines (an empty list when it can run). */
export function profileProblems(profile: Profile): string[] {
  const problems = validateSpec(profile.load).map((p) => `load: ${p}`);
  if (!SCENARIOS.includes(profile.scenario)) problems.push(`scenario must be one of ${SCENARIOS.join(', ')}`);
  for (const t of profile.thresholds) {
    try {
      if (typeof t === 'string') parseThreshold(t);
      else parseThreshold(t.threshold, t);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
}

export async function runProfile(profile: Profile, options: RunOptions): Promise<RunResult> {
  const problems = profileProblems(profile);
  if (problems.length) throw new Error(`profile ${profile.name}:\n  ${problems.join('\n  ')}`);
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  const thresholds: Threshold[] = [
    ...profile.thresholds.map((t) => (typeof t === 'string' ? parseThreshold(t) : parseThreshold(t.threshold, t))),
    ...(options.extraThresholds ?? []).map((t) => parseThreshold(t)),
  ];
  const setup = new Http(options.baseUrl, clock);
  const recorder = new Recorder(clock.now());
  const http = new Http(options.baseUrl, clock, recorder);
  const abort = new AbortController();
  // Every request in flight listens to it: hundreds at a time are expected, not a leak.
  setMaxListeners(0, abort.signal);
  options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  try {
    if (options.restockTo !== undefined) await restock(setup, options.restockTo, options.admin, log);
    const scenario = await prepareScenario(profile.scenario, { setup, http }, recorder, clock, {
      users: profile.users ?? 10,
      follow: profile.follow ?? 'sse',
      orderTimeoutMs: parseDuration(profile.orderTimeout ?? '30s', 'orderTimeout'),
      admin: options.admin,
      log,
    });
    const judge = new ThresholdJudge(thresholds, recorder);
    const runStart = clock.now();
    // The recorder's seconds count from the executor's start, not the set-up's.
    recorder.begin(runStart);
    options.onStart?.(runStart);
    let abortedBy: Verdict | undefined;
    let inFlight = 0;
    const ticker = setInterval(() => {
      const elapsed = clock.now() - runStart;
      const seconds = Math.floor(elapsed / 1_000);
      const broke = judge.tick(seconds - 1);
      const aborting = [...broke.filter((v) => v.threshold.abortOnFail), ...judge.abortingNow(elapsed)][0];
      if (aborting && !abortedBy) {
        abortedBy = aborting;
        log(`aborting: threshold "${aborting.threshold.source}" failed (${aborting.detail})`);
        abort.abort();
      }
      options.progress?.(progressLine(profile, recorder, elapsed, inFlight));
    }, 1_000);
    let executor: ExecutorResult;
    try {
      executor = await runExecutor(
        profile.load,
        async (context) => {
          inFlight += 1;
          try {
            await scenario.iteration(context);
          } finally {
            inFlight -= 1;
          }
        },
        { clock, signal: abort.signal },
      );
    } finally {
      clearInterval(ticker);
    }
    recorder.count('dropped iterations', clock.now(), executor.dropped);
    const verdicts = judge.final(Math.floor(executor.durationMs / 1_000));
    const kneeRate =
      abortedBy?.brokeAt !== undefined ? Math.round(rateAt(profile.load, abortedBy.brokeAt * 1_000)) : undefined;
    return { profile, executor, verdicts, abortedBy, kneeRate, recorder };
  } finally {
    await Promise.all([setup.close(), http.close()]);
  }
}

/** Tops every product up to `to` units through the Lab's API, as the admin. */
async function restock(http: Http, to: number, admin: RunOptions['admin'], log: (line: string) => void) {
  if (!admin) throw new Error('--restock needs an admin: --admin-email and --admin-password (or a local .stack)');
  const auth = await signIn(http, admin, admin.who ?? 'the admin');
  const res = await http.send('POST', '/api/lab/restock', {
    body: { to },
    headers: auth,
  });
  if (res.status !== 200)
    throw new Error(`the restock failed: POST /api/lab/restock answered ${res.status} ${res.text.slice(0, 200)}`);
  const added = Object.values((res.json as { added?: Record<string, number> }).added ?? {}).reduce((a, b) => a + b, 0);
  log(`restocked: every product topped up to ${to} units (${added} added)`);
}

function progressLine(profile: Profile, recorder: Recorder, elapsedMs: number, inFlight: number): string {
  const seconds = Math.floor(elapsedMs / 1_000);
  const total = Math.round(durationOf(profile.load) / 1_000);
  const last =
    recorder.elapsedSeconds > 1
      ? ([recorder.elapsedSeconds - 2, recorder.elapsedSeconds - 1] as [number, number])
      : undefined;
  const place = recorder.histogram('place', 'corrected');
  const errors = recorder.rateOf(ERRORS);
  const checks = errors.passes + errors.fails;
  return [
    `${String(seconds).padStart(4)} / ${total} s`,
    `${last ? (recorder.histogram('http', 'corrected', last)?.totalCount ?? 0) : 0} req/s`,
    `in flight ${inFlight}`,
    `placed ${recorder.countOf('orders placed')}`,
    `approved ${recorder.countOf('orders approved')}`,
    `rejected ${recorder.countOf('orders rejected')}`,
    `place p99 ${place ? formatMs(place.getValueAtPercentile(99) / 1_000) : '—'}`,
    `errors ${checks ? ((errors.passes / checks) * 100).toFixed(1) : '0.0'}%`,
  ].join('  ');
}
