// How iterations are started. Open model (arrival rate): iterations start on a schedule whatever the system under
// test does, so a slow response delays no later request and latency is measured from each iteration's *intended*
// start (no coordinated omission); when `maxInFlight` iterations are running, a due one is dropped and counted, as k6
// does. Closed model (virtual users): each VU starts its next iteration when the last one ended.
import { systemClock, type Clock } from './clock.js';
import { parseDuration } from './units.js';

export type Duration = string | number;

export type ExecutorSpec =
  | { executor: 'constant-arrival-rate'; rate: number; duration: Duration; maxInFlight?: number }
  | {
      executor: 'ramping-arrival-rate';
      startRate: number;
      stages: { target: number; duration: Duration }[];
      maxInFlight?: number;
    }
  | { executor: 'constant-vus'; vus: number; duration: Duration };

export interface IterationContext {
  /** When the schedule meant it to start (clock ms): latencies are measured from here. */
  intendedStart: number;
  index: number;
  /** The virtual user (closed model only). */
  vu?: number;
  /** Aborted when the run is (Ctrl-C, a threshold that aborts). */
  signal: AbortSignal;
}

export type Iteration = (context: IterationContext) => Promise<void>;

export interface ExecutorResult {
  started: number;
  /** Due while `maxInFlight` were running: not started (open model). */
  dropped: number;
  maxInFlightSeen: number;
  durationMs: number;
  aborted: boolean;
  /**
   * The closed model's mean interval between a VU's iterations: what HdrHistogram's coordinated-omission correction
   * needs (the open model needs none: it measures from the intended start).
   */
  expectedIntervalMs?: number;
}

const DEFAULT_MAX_IN_FLIGHT = 1_000;

/** Total scheduled time of a spec, in ms. */
export function durationOf(spec: ExecutorSpec): number {
  if (spec.executor === 'ramping-arrival-rate') {
    return spec.stages.reduce((sum, stage, i) => sum + parseDuration(stage.duration, `stage ${i + 1}'s duration`), 0);
  }
  return parseDuration(spec.duration);
}

/** The arrival rate (iterations/s) the spec asks for, as a function of ms into the run (durations parsed once). */
function rateFunction(spec: ExecutorSpec): (t: number) => number {
  if (spec.executor === 'constant-vus') return () => 0;
  if (spec.executor === 'constant-arrival-rate') {
    const total = parseDuration(spec.duration);
    return (t) => (t < total ? spec.rate : 0);
  }
  let from = spec.startRate;
  let offset = 0;
  const segments = spec.stages.map((stage, i) => {
    const length = parseDuration(stage.duration, `stage ${i + 1}'s duration`);
    const segment = { from, to: stage.target, start: offset, length };
    offset += length;
    from = stage.target;
    return segment;
  });
  return (t) => {
    const s = segments.find((segment) => t < segment.start + segment.length);
    return s ? s.from + ((s.to - s.from) * (t - s.start)) / s.length : 0;
  };
}

/** The arrival rate (iterations/s) the spec asks for `t` ms into the run. */
export function rateAt(spec: ExecutorSpec, t: number): number {
  return rateFunction(spec)(t);
}

/** The intended start offsets (ms from the run's start) of an arrival-rate spec's iterations, in order. */
export function* arrivals(spec: ExecutorSpec): Generator<number> {
  const total = durationOf(spec);
  if (spec.executor === 'constant-arrival-rate') {
    if (spec.rate <= 0) return;
    const interval = 1_000 / spec.rate;
    for (let i = 0; i * interval < total; i++) yield i * interval;
    return;
  }
  if (spec.executor !== 'ramping-arrival-rate') return;
  // The rate integrated in 1 ms steps (midpoint rule: exact on the linear stages): an iteration is due each time the
  // count of arrivals passes a whole number.
  const rate = rateFunction(spec);
  let due = 0;
  for (let t = 0; t < total; t++) {
    due += rate(t + 0.5) / 1_000;
    while (due >= 1 - 1e-9) {
      due -= 1;
      yield t;
    }
  }
}

export function validateSpec(spec: ExecutorSpec): string[] {
  const problems: string[] = [];
  try {
    if (durationOf(spec) <= 0) problems.push('the duration must be more than 0');
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (spec.executor === 'constant-arrival-rate' && !(spec.rate > 0)) problems.push('rate must be more than 0');
  if (spec.executor === 'ramping-arrival-rate') {
    if (!(spec.startRate >= 0)) problems.push('startRate must be 0 or more');
    if (!spec.stages.length) problems.push('stages must not be empty');
    for (const [i, stage] of spec.stages.entries()) {
      if (!(stage.target >= 0)) problems.push(`stage ${i + 1}'s target must be 0 or more`);
    }
  }
  if (spec.executor === 'constant-vus' && !(Number.isInteger(spec.vus) && spec.vus > 0)) {
    problems.push('vus must be a whole number more than 0');
  }
  if ('maxInFlight' in spec && spec.maxInFlight !== undefined && !(spec.maxInFlight > 0)) {
    problems.push('maxInFlight must be more than 0');
  }
  return problems;
}

/** Runs the spec's iterations until its duration is over (or `signal` aborts), then waits for those in flight. */
export async function runExecutor(
  spec: ExecutorSpec,
  iteration: Iteration,
  options: { clock?: Clock; signal?: AbortSignal } = {},
): Promise<ExecutorResult> {
  const clock = options.clock ?? systemClock;
  const signal = options.signal ?? new AbortController().signal;
  const start = clock.now();
  let started = 0;
  let dropped = 0;
  let inFlight = 0;
  let maxInFlightSeen = 0;
  const pending = new Set<Promise<void>>();

  const launch = (context: IterationContext) => {
    started += 1;
    inFlight += 1;
    maxInFlightSeen = Math.max(maxInFlightSeen, inFlight);
    // An iteration records its own failures; one that throws must not stop the run.
    const run = iteration(context)
      .catch(() => undefined)
      .finally(() => {
        inFlight -= 1;
        pending.delete(run);
      });
    pending.add(run);
    return run;
  };

  if (spec.executor === 'constant-vus') {
    const end = start + durationOf(spec);
    await Promise.all(
      Array.from({ length: spec.vus }, async (_, vu) => {
        while (clock.now() < end && !signal.aborted) {
          await launch({ intendedStart: clock.now(), index: started, vu, signal });
        }
      }),
    );
    const durationMs = clock.now() - start;
    return {
      started,
      dropped: 0,
      maxInFlightSeen,
      durationMs,
      aborted: signal.aborted,
      expectedIntervalMs: started ? (durationMs * spec.vus) / started : undefined,
    };
  }

  const maxInFlight = spec.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  let index = 0;
  for (const offset of arrivals(spec)) {
    const wait = start + offset - clock.now();
    // Timers fire at a 1 ms grain at best: an arrival due within the next millisecond starts now, or a high rate
    // would fall behind one timer per arrival (its latency still counts from its intended start).
    if (wait >= 1) await clock.sleep(wait, signal);
    if (signal.aborted) break;
    if (inFlight >= maxInFlight) dropped += 1;
    else void launch({ intendedStart: start + offset, index, signal });
    index += 1;
  }
  // The schedule's end, not the last arrival's: a run of 10 s at 1/s lasts 10 s.
  const rest = start + durationOf(spec) - clock.now();
  if (rest > 0 && !signal.aborted) await clock.sleep(rest, signal);
  await Promise.all(pending);
  return { started, dropped, maxInFlightSeen, durationMs: clock.now() - start, aborted: signal.aborted };
}
