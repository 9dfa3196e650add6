// The services' metrics on the run's timeline: every second, each service's `/metrics` (the local stack's
// services.json, from the catalog), or one Prometheus (`--prometheus URL`, e.g. on MicroK8s), and the series the
// lab reads: breaker states and transitions, retries by outcome, saga states, outbox backlog, DLQ depths, event-loop
// lag. The text format is parsed here: prom-client writes it but has no parser, and the lines needed are plain
// `name{labels} value`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import type { Clock } from './clock.js';

/** The families kept (every series of each). */
export const SCRAPED = [
  'circuit_breaker_state',
  'circuit_breaker_transitions_total',
  'circuit_breaker_calls_total',
  'retry_attempts_total',
  'sagas_in_state',
  'saga_compensation_failures_total',
  'outbox_pending',
  'dlq_messages',
  'nodejs_eventloop_lag_p99_seconds',
  'up',
] as const;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** `name{a="x",b="y"} value` lines of the Prometheus text format (comments and other families skipped). */
export function parseMetrics(text: string, keep: ReadonlySet<string> = new Set(SCRAPED)): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || !keep.has(match[1]!)) continue;
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[4]) });
  }
  return samples;
}

export interface Target {
  service: string;
  url: string;
}

/**
 * The metric sources of a run: one Prometheus (`--prometheus`), or the local stack's services (`<state-dir>/
 * services.json`, written by `npm run stack` from the catalog); undefined when there is neither.
 */
export function metricSource(options: { prometheus?: string; stateDir?: string }) {
  if (options.prometheus) return { prometheus: options.prometheus };
  const file = path.join(options.stateDir ?? '.stack', 'services.json');
  if (!existsSync(file)) return undefined;
  const services = JSON.parse(readFileSync(file, 'utf8')) as { name: string; port: number }[];
  const targets: Target[] = services.map((s) => ({ service: s.name, url: `http://127.0.0.1:${s.port}/metrics` }));
  return { targets };
}

/** A series' key on the timeline: `service|name|a=x,b=y`. */
export function seriesKey(service: string, sample: Pick<Sample, 'name' | 'labels'>): string {
  const labels = Object.entries(sample.labels)
    .filter(([k]) => k !== 'service' && k !== 'job' && k !== 'instance')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${service}|${sample.name}|${labels}`;
}

export interface Series {
  service: string;
  name: string;
  labels: Record<string, string>;
  /** [second of the run, value]; a second where the service did not answer has no point. */
  points: [number, number][];
}

/**
 * Scrapes every target once a second from `start()` to `stop()`, into series keyed by {@link seriesKey}. A target
 * that does not answer gets `up = 0` that second (a killed process shows as a gap in its lines).
 */
export class MetricsTimeline {
  readonly series = new Map<string, Series>();
  private timer?: NodeJS.Timeout;
  private origin = 0;
  private inFlight?: Promise<void>;

  constructor(
    private readonly source: { targets: Target[] } | { prometheus: string },
    private readonly clock: Clock,
  ) {}

  /** Scrapes now, then every second; seconds count from `origin` (the run's start). */
  start(origin: number): void {
    this.origin = origin;
    const tick = () => {
      if (!this.inFlight) this.inFlight = this.scrape().finally(() => (this.inFlight = undefined));
    };
    tick();
    this.timer = setInterval(tick, 1_000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  /** One scrape of every target, recorded at the current second. */
  async scrape(): Promise<void> {
    const second = Math.max(0, Math.round((this.clock.now() - this.origin) / 1_000));
    if ('prometheus' in this.source) return this.scrapePrometheus(this.source.prometheus, second);
    await Promise.all(
      this.source.targets.map(async (target) => {
        let samples: Sample[] = [];
        let up = 0;
        try {
          const res = await request(target.url, { headersTimeout: 900, bodyTimeout: 900 });
          const text = await res.body.text();
          if (res.statusCode === 200) {
            samples = parseMetrics(text);
            up = 1;
          }
        } catch {
          // Down, killed, or too slow to answer within the second: `up` 0.
        }
        this.record(target.service, second, [...samples, { name: 'up', labels: {}, value: up }]);
      }),
    );
  }

  private async scrapePrometheus(base: string, second: number) {
    const query = `{__name__=~"${SCRAPED.join('|')}"}`;
    try {
      const res = await request(`${base.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`, {
        headersTimeout: 900,
        bodyTimeout: 900,
      });
      const body = (await res.body.json()) as {
        data?: { result?: { metric: Record<string, string>; value: [number, string] }[] };
      };
      for (const r of body.data?.result ?? []) {
        const { __name__: name, ...labels } = r.metric;
        const service = labels.service ?? labels.job ?? 'unknown';
        this.record(service, second, [{ name: name!, labels, value: Number(r.value[1]) }]);
      }
    } catch {
      // Prometheus did not answer this second: a gap.
    }
  }

  private record(service: string, second: number, samples: Sample[]) {
    for (const sample of samples) {
      const key = seriesKey(service, sample);
      let series = this.series.get(key);
      if (!series) {
        const labels = { ...sample.labels };
        series = { service, name: sample.name, labels, points: [] };
        this.series.set(key, series);
      }
      const last = series.points.at(-1);
      if (last && last[0] === second) last[1] = sample.value;
      else series.points.push([second, sample.value]);
    }
  }

  /** The series of one family, optionally only those whose labels include `labels`. */
  find(name: string, labels: Record<string, string> = {}, service?: string): Series[] {
    return [...this.series.values()].filter(
      (s) =>
        s.name === name &&
        (service === undefined || s.service === service) &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }

  toJSON(): Series[] {
    return [...this.series.values()];
  }
}
