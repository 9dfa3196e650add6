#!/usr/bin/env node
// `npm run experiment -- <name|./file.mjs> [--base-url URL] [--rate N] [--duration 20s] [--out DIR] [--state-dir .stack]
// [--kubernetes NAMESPACE --prometheus URL] [--admin-email E --admin-password P]`: one experiment (docs/lab.md):
// steady state, load with faults on its timeline, rollbacks (always, Ctrl-C too), resilience assertions, verify;
// report.html and summary.json; exit 0 when everything held, 1 when something failed (named), 2 when it could not
// run (bad usage, no green start).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { adminFrom, baseUrlFrom, COMMON_OPTIONS, terminal } from './cli.js';
import { experimentVerdicts, runDirectory, writeExperimentArtifacts } from './artifacts.js';
import { systemClock } from './clock.js';
import { runExperiment, type Experiment } from './experiment.js';
import { parseDuration } from './units.js';

/** The shipped experiments: tools/lab/experiments/<name>.mjs. */
const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../experiments');
const shipped = () =>
  readdirSync(SHIPPED)
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => f.slice(0, -4))
    .sort();

const USAGE = () =>
  `usage: npm run experiment -- <${shipped().join('|')}|./experiment.mjs> [--base-url URL] [--rate N] [--duration 20s] [--out DIR] [--state-dir .stack] [--kubernetes NAMESPACE --prometheus URL] [--admin-email E --admin-password P]`;

function fail(message: string): never {
  process.stderr.write(`experiment: ${message}\n`);
  process.exit(2);
}

async function load(name: string): Promise<Experiment> {
  const file = /[./]/.test(name) ? path.resolve(name) : path.join(SHIPPED, `${name}.mjs`);
  if (!/[./]/.test(name) && !shipped().includes(name)) {
    fail(`no experiment "${name}": the shipped ones are ${shipped().join(', ')}\n${USAGE()}`);
  }
  const module = (await import(pathToFileURL(file).href)) as { default?: Experiment };
  if (!module.default) fail(`${name} has no default export (an experiment: see docs/lab.md)`);
  return module.default;
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        rate: { type: 'string' },
        duration: { type: 'string' },
        out: { type: 'string' },
        kubernetes: { type: 'string' },
        prometheus: { type: 'string' },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE()}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fail(USAGE());
  let baseUrl: string;
  try {
    baseUrl = baseUrlFrom(values['base-url']);
  } catch (error) {
    fail((error as Error).message);
  }
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(rate > 0)) fail(`--rate must be a number of orders per second, got ${values.rate}`);
  if (values.kubernetes && !values.prometheus) fail('--kubernetes needs --prometheus URL (the metrics to judge on)');
  if (values.duration !== undefined) {
    try {
      parseDuration(values.duration, '--duration');
    } catch (error) {
      fail((error as Error).message);
    }
  }
  const admin = adminFrom(values);
  if (!admin) fail(`no admin: --admin-email and --admin-password (or a local .stack)\n${USAGE()}`);
  const experiment = await load(positionals[0]!);
  const screen = terminal();
  const abort = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nexperiment: interrupted — rolling the faults back\n');
    abort.abort();
  });
  process.stderr.write(`experiment ${experiment.name}: ${experiment.description}\n`);
  let result;
  try {
    result = await runExperiment(experiment, {
      baseUrl,
      admin,
      rate,
      duration: values.duration,
      stateDir: values['state-dir'],
      kubernetes: values.kubernetes ? { namespace: values.kubernetes } : undefined,
      prometheus: values.prometheus,
      clock: systemClock,
      signal: abort.signal,
      log: screen.log,
      progress: screen.progress,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  screen.done();
  const dir = runDirectory(experiment.name, values.out);
  const verdicts = experimentVerdicts(result);
  const report = writeExperimentArtifacts(dir, result, baseUrl, verdicts);
  const lines = ['', `experiment ${experiment.name}:`];
  for (const v of verdicts) lines.push(`  ${v.ok ? '✓' : '✗'} ${v.kind.padEnd(20)} ${v.name} — ${v.detail}`);
  const failed = verdicts.filter((v) => !v.ok);
  lines.push(
    '',
    failed.length
      ? `experiment: ${failed.length} of ${verdicts.length} checks failed: ${failed.map((v) => `${v.name} (${v.detail})`).join('; ')}`
      : `experiment: all ${verdicts.length} checks held`,
    `summary: ${path.join(dir, 'summary.json')}`,
    `report: ${report}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(result.ok ? 0 : 1);
}

await main();
