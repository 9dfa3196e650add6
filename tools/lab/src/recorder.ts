// What a run measured: latencies in HDR histograms (microseconds, 3 significant digits) — each one twice: from the
// iteration's intended start (corrected for coordinated omission) and from the moment the request was sent (raw) —
// rates (passes and fails: checks, orders completed) and counts, also per second of the run, for sliding-window
// thresholds and the timeline.
import * as hdr from 'hdr-histogram-js';

type Histogram = hdr.Histogram;

/**
 * The run's histograms are plain 32-bit arrays (fast to record into); each second's are packed (small: a soak has
 * thousands of them).
 */
const newHistogram = (packed = false): Histogram =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000, // an hour, in µs
    numberOfSignificantValueDigits: 3,
    bitBucketSize: packed ? 'packed' : 32,
    useWebAssembly: false,
  });

interface Latency {
  corrected: Histogram;
  raw: Histogram;
}
interface Rate {
  passes: number;
  fails: number;
}
/** One of the slowest requests of a second: what the report lists per fault window. */
export interface SlowRequest {
  metric: string;
  ms: number;
  /** The request's `x-correlation-id` (the order id for a saga completion): `npm run trace -- <id>` finds it. */
  id: string;
  status?: number;
}
/** How many of each second's slowest requests are kept. */
const SLOWEST_PER_SECOND = 3;

interface Second {
  slowest: SlowRequest[];
  latencies: Map<string, Latency>;
  rates: Map<string, Rate>;
  counts: Map<string, number>;
}

export interface TimelineSecond {
  second: number;
  requests: number;
  /** Failed checks that second, of `checks`. */
  errors: number;
  checks: number;
  p99Ms?: number;
  latencies: Record<string, { p50: number; p90: number; p99: number; count: number }>;
  counts: Record<string, number>;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Every latency is also recorded as `http` (all requests); every failed check counts in the `errors` rate. */
export const ALL_REQUESTS = 'http';
export const ERRORS = 'errors';

export class Recorder {
  private readonly latencies = new Map<string, Latency>();
  private readonly rates = new Map<string, Rate>();
  private readonly counts = new Map<string, number>();
  private readonly seconds: Second[] = [];
  private readonly checks = new Map<string, Rate>();

  /** `start`: the run's start on the clock the timestamps below come from (ms). */
  constructor(private start: number) {}

  /** Moves the run's start (after a set-up that recorded nothing): second 0 is the load's first second. */
  begin(at: number): void {
    if (this.seconds.length) throw new Error('Recorder.begin() after something was recorded');
    this.start = at;
  }

  private second(at: number): Second {
    const index = Math.max(0, Math.floor((at - this.start) / 1_000));
    for (let i = this.seconds.length; i <= index; i++) {
      this.seconds.push({ slowest: [], latencies: new Map(), rates: new Map(), counts: new Map() });
    }
    return this.seconds[index]!;
  }

  /** The slowest requests recorded in seconds [from, to), slowest first. */
  slowestIn(from: number, to: number, limit = 5): (SlowRequest & { second: number })[] {
    const found: (SlowRequest & { second: number })[] = [];
    for (let s = Math.max(0, from); s < Math.min(to, this.seconds.length); s++) {
      for (const r of this.seconds[s]!.slowest) found.push({ ...r, second: s });
    }
    return found.sort((a, b) => b.ms - a.ms).slice(0, limit);
  }

  /**
   * A latency, `intendedStart`, `sentAt` and `doneAt` in clock ms; a request's also counts in `http` (not so a
   * journey's, such as saga completion: `request: false`).
   */
  latency(
    name: string,
    intendedStart: number,
    sentAt: number,
    doneAt: number,
    request = true,
    slow?: Omit<SlowRequest, 'metric' | 'ms'>,
  ): void {
    const corrected = Math.max(1, Math.round((doneAt - intendedStart) * 1_000));
    const raw = Math.max(1, Math.round((doneAt - sentAt) * 1_000));
    const second = this.second(doneAt);
    if (slow) {
      const ms = corrected / 1_000;
      const { slowest } = second;
      if (slowest.length < SLOWEST_PER_SECOND || ms > slowest.at(-1)!.ms) {
        slowest.push({ metric: name, ms, ...slow });
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, SLOWEST_PER_SECOND);
      }
    }
    for (const metric of request && name !== ALL_REQUESTS ? [name, ALL_REQUESTS] : [name]) {
      for (const store of [this.latencies, second.latencies]) {
        let entry = store.get(metric);
        const packed = store !== this.latencies;
        if (!entry) store.set(metric, (entry = { corrected: newHistogram(packed), raw: newHistogram(packed) }));
        entry.corrected.recordValue(corrected);
        entry.raw.recordValue(raw);
      }
    }
  }

  rate(name: string, ok: boolean, at: number): void {
    for (const store of [this.rates, this.second(at).rates]) {
      const entry = store.get(name) ?? { passes: 0, fails: 0 };
      if (ok) entry.passes += 1;
      else entry.fails += 1;
      store.set(name, entry);
    }
  }

  count(name: string, at: number, n = 1): void {
    for (const store of [this.counts, this.second(at).counts]) store.set(name, (store.get(name) ?? 0) + n);
  }

  /** A check on a response: its own pass/fail count, and a fail in the `errors` rate. Returns `ok`. */
  check(name: string, ok: boolean, at: number): boolean {
    const entry = this.checks.get(name) ?? { passes: 0, fails: 0 };
    if (ok) entry.passes += 1;
    else entry.fails += 1;
    this.checks.set(name, entry);
    this.rate(ERRORS, !ok, at);
    return ok;
  }

  /** The seconds `[from, to)` of the run (all of it without arguments). */
  private window(fromSecond?: number, toSecond?: number): Second[] {
    return fromSecond === undefined ? [] : this.seconds.slice(Math.max(0, fromSecond), toSecond);
  }

  /** Corrected (default) or raw latencies of a metric, over the run or over a window of seconds. */
  histogram(name: string, kind: 'corrected' | 'raw' = 'corrected', window?: [number, number]): Histogram | undefined {
    if (!window) return this.latencies.get(name)?.[kind];
    const parts = this.window(...window).flatMap((s) => s.latencies.get(name)?.[kind] ?? []);
    if (!parts.length) return undefined;
    const merged = newHistogram(true);
    for (const part of parts) merged.add(part);
    return merged;
  }

  rateOf(name: string, window?: [number, number]): Rate {
    if (!window) return this.rates.get(name) ?? { passes: 0, fails: 0 };
    return this.window(...window).reduce(
      (sum, s) => {
        const r = s.rates.get(name);
        return r ? { passes: sum.passes + r.passes, fails: sum.fails + r.fails } : sum;
      },
      { passes: 0, fails: 0 },
    );
  }

  countOf(name: string, window?: [number, number]): number {
    if (!window) return this.counts.get(name) ?? 0;
    return this.window(...window).reduce((sum, s) => sum + (s.counts.get(name) ?? 0), 0);
  }

  /** Seconds recorded so far. */
  get elapsedSeconds(): number {
    return this.seconds.length;
  }

  names(): { latencies: string[]; rates: string[]; counts: string[]; checks: [string, Rate][] } {
    return {
      latencies: [...this.latencies.keys()],
      rates: [...this.rates.keys()],
      counts: [...this.counts.keys()],
      checks: [...this.checks.entries()],
    };
  }

  /** Percentiles in ms; `expectedIntervalMs` (closed model) corrects the raw figures for coordinated omission. */
  summary(name: string, kind: 'corrected' | 'raw', expectedIntervalMs?: number): LatencySummary | undefined {
    let histogram = this.histogram(name, kind);
    if (!histogram || histogram.totalCount === 0) return undefined;
    if (kind === 'corrected' && expectedIntervalMs !== undefined) {
      histogram = this.latencies
        .get(name)!
        .raw.copyCorrectedForCoordinatedOmission(Math.round(expectedIntervalMs * 1_000));
    }
    const ms = (us: number) => us / 1_000;
    return {
      count: histogram.totalCount,
      p50: ms(histogram.getValueAtPercentile(50)),
      p90: ms(histogram.getValueAtPercentile(90)),
      p99: ms(histogram.getValueAtPercentile(99)),
      max: ms(histogram.maxValue),
      mean: ms(histogram.mean),
    };
  }

  /** Each second of the run: requests, errors of checks, percentiles (from the intended start) per latency, counts. */
  timeline(): TimelineSecond[] {
    return this.seconds.map((s, second) => {
      const all = s.latencies.get(ALL_REQUESTS)?.corrected;
      const errors = s.rates.get(ERRORS);
      return {
        second,
        requests: all?.totalCount ?? 0,
        errors: errors?.passes ?? 0,
        checks: (errors?.passes ?? 0) + (errors?.fails ?? 0),
        ...(all && all.totalCount ? { p99Ms: all.getValueAtPercentile(99) / 1_000 } : {}),
        latencies: Object.fromEntries(
          [...s.latencies].map(([name, { corrected }]) => [
            name,
            {
              p50: corrected.getValueAtPercentile(50) / 1_000,
              p90: corrected.getValueAtPercentile(90) / 1_000,
              p99: corrected.getValueAtPercentile(99) / 1_000,
              count: corrected.totalCount,
            },
          ]),
        ),
        counts: Object.fromEntries(s.counts),
      };
    });
  }
}
