#!/usr/bin/env node
// `npm run load -- <profile|file> [options]` (USAGE below): runs a load profile against the stack (default the local
// gateway) while scraping the services' metrics, prints a live progress line and a summary, writes summary.json and
// report.html, and exits 1 when a threshold failed — naming it. docs/lab.md explains profiles and thresholds.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runDirectory, writeLoadArtifacts } from './artifacts.js';
import { adminFrom, baseUrlFrom, COMMON_OPTIONS, terminal } from './cli.js';
import { systemClock } from './clock.js';
import { metricSource, MetricsTimeline } from './metrics.js';
import { PROFILES, type Profile } from './profiles.js';
import { runProfile, type RunResult } from './run.js';
import { formatMs, parseDuration } from './units.js';

const USAGE = `usage: npm run load -- <${Object.keys(PROFILES).join('|')}|./profile.mjs> [--base-url URL] [--threshold '<expression>'] [--duration 30s] [--rate N] [--out DIR] [--restock N] [--prometheus URL] [--state-dir .stack] [--admin-email E --admin-password P]`;

function fail(message: string): never {
  process.stderr.write(`load: ${message}\n`);
  process.exit(2);
}

async function loadProfile(name: string): Promise<Profile> {
  if (PROFILES[name]) return structuredClone(PROFILES[name]);
  if (!/[./]/.test(name))
    fail(`no profile "${name}": the shipped ones are ${Object.keys(PROFILES).join(', ')}\n${USAGE}`);
  const module = (await import(pathToFileURL(path.resolve(name)).href)) as { default?: Profile };
  if (!module.default) fail(`${name} has no default export (a profile: see docs/lab.md)`);
  return module.default;
}

/** `--duration` and `--rate` for the constant executors (a quick run of a shipped profile). */
function override(profile: Profile, duration?: string, rate?: string): Profile {
  if (duration !== undefined) {
    parseDuration(duration, '--duration');
    if (profile.load.executor === 'ramping-arrival-rate') fail('--duration does not apply to a ramping profile');
    profile.load.duration = duration;
  }
  if (rate !== undefined) {
    const n = Number(rate);
    if (!(n > 0)) fail(`--rate must be a number of iterations per second, got ${rate}`);
    if (profile.load.executor !== 'constant-arrival-rate') fail('--rate applies to a constant-arrival-rate profile');
    profile.load.rate = n;
  }
  return profile;
}

function summary(result: RunResult, baseUrl: string): string {
  const { profile, executor, recorder, verdicts } = result;
  const lines: string[] = [];
  const load = profile.load;
  const shape =
    load.executor === 'constant-arrival-rate'
      ? `${load.rate}/s`
      : load.executor === 'ramping-arrival-rate'
        ? `${load.startRate}→${load.stages.map((s) => s.target).join('→')}/s`
        : `${load.vus} VUs`;
  lines.push(
    '',
    `load ${profile.name} against ${baseUrl}: ${(executor.durationMs / 1_000).toFixed(1)} s, ${load.executor} ${shape}, ${executor.started} iterations (${executor.dropped} dropped, at most ${executor.maxInFlightSeen} in flight)${executor.aborted ? ', aborted' : ''}`,
    '',
    `${'latency'.padEnd(18)}${'count'.padStart(7)}${'p50'.padStart(10)}${'p90'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}   raw p99 (from sending)`,
  );
  const names = recorder.names();
  for (const name of [...names.latencies.filter((n) => n !== 'http'), 'http']) {
    const corrected = recorder.summary(name, 'corrected', executor.expectedIntervalMs);
    const raw = recorder.summary(name, 'raw');
    if (!corrected || !raw) continue;
    lines.push(
      `${name.padEnd(18)}${String(corrected.count).padStart(7)}${formatMs(corrected.p50).padStart(10)}${formatMs(corrected.p90).padStart(10)}${formatMs(corrected.p99).padStart(10)}${formatMs(corrected.max).padStart(10)}   ${formatMs(raw.p99)}`,
    );
  }
  lines.push('');
  for (const rate of names.rates) {
    const { passes, fails } = recorder.rateOf(rate);
    lines.push(`${rate} rate ${((passes / (passes + fails) || 0) * 100).toFixed(2)}% (${passes} of ${passes + fails})`);
  }
  const counts = names.counts.map((c) => `${c} ${recorder.countOf(c)}`);
  if (counts.length) lines.push(counts.join(' · '));
  const badChecks = names.checks.filter(([, r]) => r.fails > 0);
  lines.push(
    `checks: ${names.checks.length - badChecks.length} of ${names.checks.length} always held${badChecks.map(([name, r]) => `; ✗ ${name}: ${r.fails} of ${r.passes + r.fails} failed`).join('')}`,
  );
  if (result.kneeRate !== undefined) {
    lines.push(
      `knee: about ${result.kneeRate} iterations/s (where "${result.abortedBy!.threshold.source}" first broke)`,
    );
  }
  lines.push('', 'thresholds:');
  for (const v of verdicts) lines.push(`  ${v.ok ? '✓' : '✗'} ${v.threshold.source.padEnd(40)} ${v.detail}`);
  const failed = verdicts.filter((v) => !v.ok);
  lines.push(
    '',
    failed.length
      ? `load: ${failed.length} of ${verdicts.length} thresholds failed: ${failed.map((v) => `${v.threshold.source} (${v.detail})`).join('; ')}`
      : `load: all ${verdicts.length} thresholds held`,
  );
  return lines.join('\n');
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        threshold: { type: 'string', multiple: true, default: [] },
        duration: { type: 'string' },
        rate: { type: 'string' },
        out: { type: 'string' },
        restock: { type: 'string' },
        prometheus: { type: 'string' },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fail(USAGE);
  let baseUrl: string;
  try {
    baseUrl = baseUrlFrom(values['base-url']);
  } catch (error) {
    fail((error as Error).message);
  }
  let profile: Profile;
  try {
    profile = override(await loadProfile(positionals[0]!), values.duration, values.rate);
  } catch (error) {
    fail((error as Error).message);
  }
  const restock = values.restock === undefined ? undefined : Number(values.restock);
  if (restock !== undefined && !(Number.isInteger(restock) && restock > 0)) {
    fail(`--restock must be a whole number of units, got ${values.restock}`);
  }
  const admin = adminFrom(values);
  const screen = terminal();
  const abort = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nload: interrupted — finishing the iterations in flight\n');
    abort.abort();
  });
  process.stderr.write(`load ${profile.name}: ${profile.description}\n`);
  const source = metricSource({ prometheus: values.prometheus, stateDir: values['state-dir'] });
  if (!source)
    process.stderr.write(
      `load: no ${values['state-dir']}/services.json and no --prometheus: the report has no service metrics\n`,
    );
  const metrics = source ? new MetricsTimeline(source, systemClock) : undefined;
  let result: RunResult;
  try {
    result = await runProfile(profile, {
      onStart: (at) => metrics?.start(at),
      baseUrl,
      extraThresholds: values.threshold,
      admin,
      restockTo: restock,
      signal: abort.signal,
      log: screen.log,
      progress: screen.progress,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  screen.done();
  process.stdout.write(`${summary(result, baseUrl)}\n`);
  await metrics?.stop();
  const out = runDirectory(profile.name, values.out);
  const report = writeLoadArtifacts(out, result, baseUrl, metrics?.toJSON() ?? []);
  process.stdout.write(`summary: ${path.join(out, 'summary.json')}\nreport: ${report}\n`);
  process.exit(result.verdicts.every((v) => v.ok) ? 0 : 1);
}

await main();
