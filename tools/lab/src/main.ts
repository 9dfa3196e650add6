#!/usr/bin/env node
// `npm run load -- <profile|file> [--base-url URL] [--threshold '<expression>']... [--duration 30s] [--rate N]
// [--out DIR] [--restock N] [--admin-email E --admin-password P]`: runs a load profile against the stack (default the local
// gateway), prints a live progress line and a summary, writes summary.json, and exits 1 when a threshold failed —
// naming it. docs/lab.md explains profiles and thresholds.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { adminFrom, baseUrlFrom, COMMON_OPTIONS } from './admin.js';
import { PROFILES, type Profile } from './profiles.js';
import { runProfile, type RunResult } from './run.js';
import { describeValue } from './thresholds.js';
import { formatMs, parseDuration } from './units.js';

const USAGE = `usage: npm run load -- <${Object.keys(PROFILES).join('|')}|./profile.mjs> [--base-url URL] [--threshold '<expression>'] [--duration 30s] [--rate N] [--out DIR] [--restock N] [--admin-email E --admin-password P]`;

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

function summaryJson(result: RunResult, baseUrl: string) {
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
    timeline: recorder.timeline(),
  };
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
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const abort = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nload: interrupted — finishing the iterations in flight\n');
    abort.abort();
  });
  process.stderr.write(`load ${profile.name}: ${profile.description}\n`);
  let result: RunResult;
  try {
    result = await runProfile(profile, {
      baseUrl,
      extraThresholds: values.threshold,
      admin,
      restockTo: restock,
      signal: abort.signal,
      log: (line) => process.stderr.write(`${tty ? '\n' : ''}${line}\n`),
      progress: (line) => {
        if (tty) process.stderr.write(`\r${line}\u001b[K`);
        else if (Date.now() - lastLine >= 5_000) {
          lastLine = Date.now();
          process.stderr.write(`${line}\n`);
        }
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  if (tty) process.stderr.write('\n');
  process.stdout.write(`${summary(result, baseUrl)}\n`);
  const out =
    values.out ?? path.join('.lab', 'runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${profile.name}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'summary.json'), `${JSON.stringify(summaryJson(result, baseUrl), null, 2)}\n`);
  process.stdout.write(`summary: ${path.join(out, 'summary.json')}\n`);
  process.exit(result.verdicts.every((v) => v.ok) ? 0 : 1);
}

await main();
