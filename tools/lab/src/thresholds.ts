// Thresholds in a k6-like syntax, on the run's metrics:
//   <metric> <stat> <op> <value>[unit] [over <window>]
//   place p99 < 300ms · errors rate < 1% · orders completed rate > 99% · saga completion p99 < 2s over 10s
// Stats: p<N> (p99, p99.9), median, avg, min, max (latency metrics, in ms or s); rate (a rate metric, in %);
// count (a counter). `over <window>` makes it a sliding window: checked every second on the last <window> of the
// run, and failed if it ever broke — k6 has none. A threshold in a profile may abort the run when it fails, after a
// delay (`abortOnFail`, `delay`).
import type { Recorder } from './recorder.js';
import { parseDuration } from './units.js';

export type Operator = '<' | '<=' | '>' | '>=' | '==';

export interface Threshold {
  source: string;
  metric: string;
  stat: { kind: 'percentile'; p: number } | { kind: 'median' | 'avg' | 'min' | 'max' | 'rate' | 'count' };
  op: Operator;
  /** In ms for latencies, a fraction (0..1) for rates, a number for counts. */
  value: number;
  windowMs?: number;
  abortOnFail?: boolean;
  /** Not judged (nor aborting) before this much of the run has passed. */
  delayMs?: number;
}

export interface ThresholdOptions {
  abortOnFail?: boolean;
  delay?: string;
}

const PATTERN =
  /^(?<metric>[a-z][a-z0-9 -]*?)\s+(?<stat>p\d+(?:\.\d+)?|median|avg|min|max|rate|count)\s*(?<op><=|>=|==|<|>)\s*(?<value>\d+(?:\.\d+)?)\s*(?<unit>ms|s|%)?(?:\s+over\s+(?<window>\d+(?:\.\d+)?(?:ms|s|m)))?$/;

/** Parses one threshold; throws an error that quotes it and says what is wrong. */
export function parseThreshold(source: string, options: ThresholdOptions = {}): Threshold {
  const text = source.trim().replace(/\s+/g, ' ');
  const match = PATTERN.exec(text);
  const fail = (why: string): never => {
    throw new Error(
      `threshold "${source}": ${why} (write it like "place p99 < 300ms", "errors rate < 1%", "orders completed rate > 99%" or "place p99 < 300ms over 10s")`,
    );
  };
  if (!match?.groups) return fail('not understood');
  const { metric, stat, op, value, unit, window } = match.groups as Record<string, string | undefined>;
  const number = Number(value);
  let parsedStat: Threshold['stat'];
  let parsedValue: number;
  if (stat!.startsWith('p')) {
    const p = Number(stat!.slice(1));
    if (!(p > 0 && p < 100)) fail(`${stat} is not a percentile between p0 and p100 (exclusive)`);
    parsedStat = { kind: 'percentile', p };
  } else parsedStat = { kind: stat as 'median' | 'avg' | 'min' | 'max' | 'rate' | 'count' };
  if (parsedStat.kind === 'rate') {
    if (unit !== '%') fail('a rate is a percentage: write it with %');
    parsedValue = number / 100;
  } else if (parsedStat.kind === 'count') {
    if (unit) fail('a count has no unit');
    parsedValue = number;
  } else {
    if (unit !== 'ms' && unit !== 's') fail('a latency needs a unit: ms or s');
    parsedValue = unit === 's' ? number * 1_000 : number;
  }
  return {
    source: text,
    metric: metric!,
    stat: parsedStat,
    op: op as Operator,
    value: parsedValue,
    ...(window ? { windowMs: parseDuration(window) } : {}),
    ...(options.abortOnFail ? { abortOnFail: true } : {}),
    ...(options.delay ? { delayMs: parseDuration(options.delay, `threshold "${source}"'s delay`) } : {}),
  };
}

const compare = (actual: number, op: Operator, expected: number) =>
  op === '<'
    ? actual < expected
    : op === '<='
      ? actual <= expected
      : op === '>'
        ? actual > expected
        : op === '>='
          ? actual >= expected
          : actual === expected;

export interface Verdict {
  threshold: Threshold;
  ok: boolean;
  /** The figure it was judged on (ms, fraction or count); undefined when there was no data. */
  actual?: number;
  /** Seconds into the run, for a sliding window that broke: the first window's end. */
  brokeAt?: number;
  detail: string;
}

/** The figure a threshold looks at, over the whole run or the seconds `[from, to)`. */
function actualOf(t: Threshold, recorder: Recorder, window?: [number, number]): number | undefined {
  switch (t.stat.kind) {
    case 'rate': {
      const { passes, fails } = recorder.rateOf(t.metric, window);
      return passes + fails ? passes / (passes + fails) : undefined;
    }
    case 'count':
      return recorder.countOf(t.metric, window);
    case 'percentile':
    case 'median':
    case 'avg':
    case 'min':
    case 'max': {
      const h = recorder.histogram(t.metric, 'corrected', window);
      if (!h || h.totalCount === 0) return undefined;
      const us =
        t.stat.kind === 'percentile'
          ? h.getValueAtPercentile(t.stat.p)
          : t.stat.kind === 'median'
            ? h.getValueAtPercentile(50)
            : t.stat.kind === 'avg'
              ? h.mean
              : t.stat.kind === 'min'
                ? h.minNonZeroValue
                : h.maxValue;
      return us / 1_000;
    }
  }
}

export function describeValue(t: Threshold, value: number | undefined): string {
  if (value === undefined) return 'no data';
  if (t.stat.kind === 'rate') return `${(value * 100).toFixed(2)}%`;
  if (t.stat.kind === 'count') return String(value);
  return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
}

/**
 * Judges a threshold on what is recorded so far. A sliding window is checked on every full window up to the last
 * complete second (and remembers its first break); a whole-run threshold on everything. A metric with no data at
 * the end fails, saying so: a typo in a metric's name cannot pass.
 */
export class ThresholdJudge {
  private broken = new Map<Threshold, Verdict>();
  private checkedUpTo = new Map<Threshold, number>();

  constructor(
    readonly thresholds: Threshold[],
    private readonly recorder: Recorder,
  ) {}

  /** Sliding windows: checks each window that ended since the last call. Returns those that broke now. */
  tick(completeSeconds: number): Verdict[] {
    const now: Verdict[] = [];
    for (const t of this.thresholds) {
      if (!t.windowMs || this.broken.has(t)) continue;
      const size = Math.max(1, Math.round(t.windowMs / 1_000));
      const delay = Math.ceil((t.delayMs ?? 0) / 1_000);
      for (let end = Math.max(size, delay, this.checkedUpTo.get(t) ?? 0); end <= completeSeconds; end++) {
        this.checkedUpTo.set(t, end + 1);
        const actual = actualOf(t, this.recorder, [end - size, end]);
        if (actual === undefined || compare(actual, t.op, t.value)) continue;
        const verdict: Verdict = {
          threshold: t,
          ok: false,
          actual,
          brokeAt: end,
          detail: `${describeValue(t, actual)} in seconds ${end - size}–${end}`,
        };
        this.broken.set(t, verdict);
        now.push(verdict);
        break;
      }
    }
    return now;
  }

  /** Whole-run thresholds that abort on failure and fail on what is recorded now, past their delay. */
  abortingNow(elapsedMs: number): Verdict[] {
    return this.thresholds
      .filter((t) => t.abortOnFail && !t.windowMs && elapsedMs >= (t.delayMs ?? 0))
      .map((t) => this.judge(t))
      .filter((v) => !v.ok && v.actual !== undefined);
  }

  private judge(t: Threshold): Verdict {
    const actual = actualOf(t, this.recorder);
    if (actual === undefined) return { threshold: t, ok: false, detail: `no data for "${t.metric}"` };
    return { threshold: t, ok: compare(actual, t.op, t.value), actual, detail: describeValue(t, actual) };
  }

  /** Every threshold's verdict at the end of the run. */
  final(completeSeconds: number): Verdict[] {
    this.tick(completeSeconds);
    return this.thresholds.map((t) => {
      if (!t.windowMs) return this.judge(t);
      const broke = this.broken.get(t);
      if (broke) return broke;
      if (actualOf(t, this.recorder) === undefined)
        return { threshold: t, ok: false, detail: `no data for "${t.metric}"` };
      const size = Math.max(1, Math.round(t.windowMs / 1_000));
      const seen = completeSeconds >= size;
      return seen
        ? { threshold: t, ok: true, detail: `held in every ${size} s window` }
        : { threshold: t, ok: false, detail: `the run (${completeSeconds} s) was shorter than its window` };
    });
  }
}
