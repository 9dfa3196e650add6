// What a run leaves behind, in its own directory (default .lab/runs/<time>-<name>/): summary.json (every figure,
// the timeline, the services' series) and report.html (the same, drawn: src/report.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExperimentResult } from './experiment.js';
import type { Series } from './metrics.js';
import { renderReport, type ReportData, type ReportVerdict } from './report.js';
import type { TimelineSecond } from './recorder.js';
import type { RunResult } from './run.js';
import { describeValue } from './thresholds.js';
import { formatMs } from './units.js';
import { INVARIANTS } from './verify.js';

export function runDirectory(name: string, out?: string): string {
  const dir = out ?? path.join('.lab', 'runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The figures of one load run (summary.json's core); `timeline`: the recorder's, computed once per run. */
function loadSummary(result: RunResult, baseUrl: string, timeline: TimelineSecond[]) {
  const { recorder, executor } = result;
  const names = recorder.names();
  return {
    profile: result.profile,
    baseUrl,
    executor,
    latencies: Object.fromEntries(
      names.latencies.map((n) => [
        n,
        { corrected: recorder.summary(n, 'corrected', executor.expectedIntervalMs), raw: recorder.summary(n, 'raw') },
      ]),
    ),
    rates: Object.fromEntries(names.rates.map((r) => [r, recorder.rateOf(r)])),
    counts: Object.fromEntries(names.counts.map((c) => [c, recorder.countOf(c)])),
    checks: Object.fromEntries(names.checks),
    thresholds: result.verdicts.map((v) => ({
      threshold: v.threshold.source,
      ok: v.ok,
      actual: v.actual === undefined ? null : describeValue(v.threshold, v.actual),
      detail: v.detail,
    })),
    ...(result.kneeRate !== undefined ? { kneeRate: result.kneeRate } : {}),
    timeline,
  };
}

function thresholdVerdicts(result: RunResult): ReportVerdict[] {
  return result.verdicts.map((v) => ({ kind: 'threshold', name: v.threshold.source, ok: v.ok, detail: v.detail }));
}

function headline(result: RunResult): ReportData['headline'] {
  const r = result.recorder;
  const place = r.summary('place', 'corrected', result.executor.expectedIntervalMs);
  const saga = r.summary('saga completion', 'corrected');
  const errors = r.rateOf('errors');
  const checks = errors.passes + errors.fails;
  return [
    { label: 'duration', value: `${(result.executor.durationMs / 1_000).toFixed(1)} s` },
    { label: 'iterations', value: `${result.executor.started} (${result.executor.dropped} dropped)` },
    { label: 'orders approved / rejected', value: `${r.countOf('orders approved')} / ${r.countOf('orders rejected')}` },
    { label: 'orders timed out', value: String(r.countOf('orders timed out')) },
    { label: 'place p99', value: place ? formatMs(place.p99) : '—' },
    { label: 'saga completion p99', value: saga ? formatMs(saga.p99) : '—' },
    { label: 'errors', value: `${checks ? ((errors.passes / checks) * 100).toFixed(2) : '0.00'}%` },
  ];
}

function drawable(result: RunResult) {
  const latencyThresholds: ReportData['latencyThresholds'] = [];
  const errorThresholds: ReportData['errorThresholds'] = [];
  for (const { threshold: t } of result.verdicts) {
    if (t.stat.kind === 'percentile' && [50, 90, 99].includes(t.stat.p)) {
      latencyThresholds.push({ metric: t.metric, stat: `p${t.stat.p}`, ms: t.value, source: t.source });
    } else if (t.metric === 'errors' && t.stat.kind === 'rate') {
      errorThresholds.push({ percent: t.value * 100, source: t.source });
    }
  }
  return { latencyThresholds, errorThresholds };
}

/** What a load run shows in its report, whatever ran it: headline, timeline, thresholds to draw, services' series. */
function loadReport(result: RunResult, timeline: TimelineSecond[], series: Series[]) {
  return { headline: headline(result), timeline, ...drawable(result), series };
}

/** Writes a run's summary.json and report.html; answers the report's path. */
function writeRun(dir: string, summary: object, report: ReportData): string {
  writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const file = path.join(dir, 'report.html');
  writeFileSync(file, renderReport(report));
  return file;
}

/** Writes summary.json and report.html of a load run; answers the report's path. */
export function writeLoadArtifacts(dir: string, result: RunResult, baseUrl: string, series: Series[]): string {
  const timeline = result.recorder.timeline();
  return writeRun(
    dir,
    { ...loadSummary(result, baseUrl, timeline), metrics: series },
    {
      title: `load ${result.profile.name}`,
      subtitle: `${result.profile.description} — against ${baseUrl}, ${new Date().toISOString()}`,
      ok: result.verdicts.every((v) => v.ok),
      ...loadReport(result, timeline, series),
      windows: [],
      verdicts: thresholdVerdicts(result),
      slowest: [],
    },
  );
}

/** Every verdict of an experiment, in the order it was judged. */
export function experimentVerdicts(result: ExperimentResult): ReportVerdict[] {
  const verdicts: ReportVerdict[] = [
    ...result.before.map((j) => ({ kind: 'steady state before', ...j })),
    ...result.after.map((j) => ({ kind: 'steady state after', ...j })),
    ...result.assertions.map((j) => ({ kind: 'resilience', ...j })),
    ...thresholdVerdicts(result.load),
  ];
  if (result.verify) {
    for (const invariant of INVARIANTS) {
      const broken = result.verify.violations.filter((v) => v.invariant === invariant);
      verdicts.push({
        kind: 'invariant',
        name: invariant,
        ok: broken.length === 0,
        detail: broken.length
          ? broken
              .slice(0, 5)
              .map((v) => `${v.id}: ${v.detail}`)
              .join('; ') + (broken.length > 5 ? ` … ${broken.length - 5} more` : '')
          : `${result.verify.ledger.orders.length} orders`,
      });
    }
  } else {
    verdicts.push({ kind: 'invariant', name: 'npm run verify', ok: false, detail: result.verifyError ?? 'not run' });
  }
  return verdicts;
}

/** Writes summary.json and report.html of an experiment (its `verdicts`, as the command printed them). */
export function writeExperimentArtifacts(
  dir: string,
  result: ExperimentResult,
  baseUrl: string,
  verdicts: ReportVerdict[],
): string {
  const timeline = result.load.recorder.timeline();
  const series = result.metrics.toJSON();
  return writeRun(
    dir,
    {
      experiment: result.experiment,
      ok: result.ok,
      windows: result.windows,
      verdicts,
      load: loadSummary(result.load, baseUrl, timeline),
      metrics: series,
    },
    {
      title: `experiment ${result.experiment.name}`,
      subtitle: `${result.experiment.description} — against ${baseUrl}, ${new Date().toISOString()}`,
      ok: result.ok,
      ...loadReport(result.load, timeline, series),
      windows: result.windows,
      verdicts,
      slowest: result.windows.map((w) => ({
        window: `${w.fault} (${w.from}–${w.to} s)`,
        // A fault's effect outlasts it by a few seconds (breakers, parked sagas): the window and 5 s after.
        requests: result.load.recorder.slowestIn(w.from, w.to + 5),
      })),
    },
  );
}
