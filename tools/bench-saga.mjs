#!/usr/bin/env node
// `npm run bench:saga [-- --stage-rate 50 --stage 20s --ramp 10:160:75s] [--cpu-prof]`: the saga's capacity on this machine,
// against its own primitives, in one run (docs/performance.md).
//  1. Starts its own stack (`--profile load`, own databases refarch_bench_*, own queue namespace).
//  2. Measures the primitives: an HTTP request to a Nest service (/health/live), a PostgreSQL commit (32 clients),
//     an AMQP publish + confirm + consume — each as CPU per operation over every process involved (from /proc).
//  3. Drives orders at a constant rate (default 50/s for 20 s) with the lab's generator: placement and completion
//     p50/p99, CPU ms per order per process, PostgreSQL commits, HTTP requests and broker messages per order.
//  4. Ramps the rate (default 10 → 160/s over 75 s) until saga completion p99 breaks 2 s over 5 s: the sustained rate.
// Prints a table and one closing line: `saga: sustained <N> orders/s, <M> ms CPU per order, <R>x of floor`.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import pg from 'pg';
import { Agent, request } from 'undici';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const POSTGRES = process.env.STACK_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RABBITMQ = process.env.STACK_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const GATEWAY = 'http://127.0.0.1:8080';
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const CORES = os.availableParallelism();

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
/** `--cpu-prof`: every service writes a V8 CPU profile; summed up per service at the end and kept in .bench/. */
const CPU_PROF = process.argv.includes('--cpu-prof');
const STAGE_RATE = Number(option('stage-rate', '50'));
const STAGE = option('stage', '20s');
const [RAMP_FROM, RAMP_TO, RAMP_FOR] = option('ramp', '10:160:75s').split(':');

const step = (line) => process.stderr.write(`bench:saga: ${line}\n`);

/** CPU seconds (user + system) of a process, from /proc/<pid>/stat; 0 when it is gone. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** Every pid whose command name is `name` (postgres, beam.smp, redis-server). */
function pidsNamed(name) {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A CPU meter over named groups of pids (the groups re-read at each sample: postgres forks a backend per client). */
function cpuMeter(groups) {
  const sample = () =>
    Object.fromEntries(
      Object.entries(groups).map(([name, pids]) => [
        name,
        (typeof pids === 'function' ? pids() : pids).reduce((sum, pid) => sum + cpuOf(pid), 0),
      ]),
    );
  return {
    start() {
      const before = sample();
      const self = process.cpuUsage();
      return () => {
        const after = sample();
        const own = process.cpuUsage(self);
        return {
          ...Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)])),
          'load generator': (own.user + own.system) / 1e6,
        };
      };
    },
  };
}

const sum = (values) => Object.values(values).reduce((a, b) => a + b, 0);

// ---- 1. the stack --------------------------------------------------------------------------------------------
const id = randomBytes(3).toString('hex');
const stateDir = path.join(root, '.tmp', `bench-saga-${id}`);
const dbPrefix = `refarch_bench_${id}_`;
const namespace = `bench-${id}`;
step(`building, then starting a stack of its own (state ${path.relative(root, stateDir)}, databases ${dbPrefix}*)`);
const build = spawnSync(process.execPath, [path.join(root, 'tools/build.mjs')], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (build.status !== 0) process.exit(build.status ?? 1);
const stack = spawn(
  process.execPath,
  [
    path.join(root, 'tools/stack.mjs'),
    ...['--no-build', '--profile', 'load', '--state-dir', stateDir, '--db-prefix', dbPrefix, '--namespace', namespace],
    ...(CPU_PROF ? ['--cpu-prof'] : []),
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
);
let stackOutput = '';
stack.stdout.on('data', (d) => (stackOutput += d));
stack.stderr.on('data', (d) => (stackOutput += d));
await new Promise((resolve, reject) => {
  const timer = setInterval(() => stackOutput.includes('Press Ctrl-C') && (clearInterval(timer), resolve()), 100);
  stack.once('exit', (code) => {
    clearInterval(timer);
    reject(new Error(`the stack exited (${code}):\n${stackOutput.slice(-3000)}`));
  });
}).catch((error) => {
  console.error(`bench:saga: ${error.message}`);
  process.exit(1);
});

let stopping;
async function stopStack() {
  stopping ??= (async () => {
    if (stack.exitCode === null) {
      const exited = new Promise((resolve) => stack.once('exit', resolve));
      stack.kill('SIGINT');
      await exited;
    }
    const client = new pg.Client({ connectionString: POSTGRES });
    await client.connect();
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${dbPrefix}%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
    await client.end();
    const { deleteMessagingNamespace } = await import('@refarch/testing');
    const services = JSON.parse(readFileSync(path.join(stateDir, 'services.json'), 'utf8'));
    await deleteMessagingNamespace(
      RABBITMQ,
      namespace,
      services.filter((s) => s.consumes).map((s) => s.name),
    );
    if (CPU_PROF) summarizeProfiles(path.join(stateDir, 'cpu-profiles'));
    rmSync(stateDir, { recursive: true, force: true });
  })();
  return stopping;
}

/** Where a profiled function lives: an npm package, Node itself, V8's own entries, or our code (the file). */
function placeOf({ url, functionName }) {
  if (!url) return `(${functionName || 'native'})`.replace(/^\(\((.*)\)\)$/, '($1)');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return 'node';
  return path.relative(root, url.replace(/^file:\/\//, ''));
}

/** Self time per place of each service's CPU profile (copied to .bench/cpu-profiles-<id>/), the largest first. */
function summarizeProfiles(dir) {
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    step('no CPU profiles were written');
    return;
  }
  const kept = path.join(root, '.bench', `cpu-profiles-${id}`);
  mkdirSync(kept, { recursive: true });
  for (const file of files.sort()) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    copyFileSync(path.join(dir, file), path.join(kept, file));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    let total = 0;
    profile.samples.forEach((sample, i) => {
      const delta = profile.timeDeltas[i] ?? 0;
      const place = placeOf(byId.get(sample).callFrame);
      self.set(place, (self.get(place) ?? 0) + delta);
      if (place !== '(idle)') total += delta;
    });
    const top = [...self]
      .filter(([place]) => place !== '(idle)')
      .sort(([, a], [, b]) => b - a)
      .slice(0, 8)
      .map(([place, us]) => `${place} ${((100 * us) / Math.max(1, total)).toFixed(0)} %`);
    step(`${file.replace(/\.\d+\.cpuprofile$/, '')}: ${(total / 1e6).toFixed(1)} s busy — ${top.join(', ')}`);
  }
  step(`CPU profiles kept in ${path.relative(root, kept)} (open them in Chrome DevTools)`);
}
process.once('SIGINT', () => void stopStack().then(() => process.exit(130)));

try {
  const services = JSON.parse(readFileSync(path.join(stateDir, 'services.json'), 'utf8'));
  const pids = JSON.parse(readFileSync(path.join(stateDir, 'pids.json'), 'utf8'));
  const servicePids = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, [pid]]));
  const infraPids = {
    postgres: () => pidsNamed('postgres'),
    rabbitmq: () => pidsNamed('beam.smp'),
    redis: () => pidsNamed('redis-server'),
  };

  // ---- 2. the primitives -------------------------------------------------------------------------------------
  const primitives = {};
  {
    // An HTTP request to a Nest service: user-service's /health/live, 16 at a time over keep-alive.
    const userPort = services.find((s) => s.name === 'user-service').port;
    const agent = new Agent({ connections: 16 });
    const meter = cpuMeter({ 'user-service': servicePids['user-service'] }).start();
    const n = 4_000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next++ < n) {
          const res = await request(`http://127.0.0.1:${userPort}/health/live`, { dispatcher: agent });
          await res.body.text();
        }
      }),
    );
    const cpu = meter();
    await agent.close();
    primitives.http = { label: 'HTTP request to a Nest service (client + server)', usPerOp: (sum(cpu) / n) * 1e6 };
  }
  {
    // A PostgreSQL commit: 32 clients inserting one row per transaction for 3 s, fsync on.
    const url = new URL(POSTGRES);
    url.pathname = `/${dbPrefix}primitives`;
    const admin = new pg.Client({ connectionString: POSTGRES });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbPrefix}primitives"`);
    await admin.end();
    const pool = new pg.Pool({ connectionString: url.toString(), max: 32 });
    await pool.query('CREATE TABLE commits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
    const meter = cpuMeter({ postgres: infraPids.postgres }).start();
    let commits = 0;
    const end = Date.now() + 3_000;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (Date.now() < end) {
          await pool.query('INSERT INTO commits DEFAULT VALUES');
          commits += 1;
        }
      }),
    );
    const cpu = meter();
    await pool.end();
    primitives.commit = {
      label: `PostgreSQL commit, 32 clients (${Math.round(commits / 3)} commits/s)`,
      usPerOp: (sum(cpu) / commits) * 1e6,
    };
  }
  {
    // An AMQP message: published with a confirm, consumed and acked, 500 in flight.
    const connection = await amqp.connect(RABBITMQ);
    const channel = await connection.createConfirmChannel();
    const queue = `${namespace}.primitives`;
    await channel.assertQueue(queue, { durable: true });
    const consumer = await connection.createChannel();
    await consumer.prefetch(500);
    const n = 20_000;
    let consumed = 0;
    const meter = cpuMeter({ rabbitmq: infraPids.rabbitmq }).start();
    const all = new Promise((resolve) => {
      void consumer.consume(queue, (msg) => {
        if (!msg) return; // cancelled
        consumer.ack(msg);
        if (++consumed === n) resolve();
      });
    });
    const body = Buffer.from(JSON.stringify({ type: 'bench.primitive.v1', payload: { at: Date.now() } }));
    for (let sent = 0; sent < n; sent += 500) {
      for (let i = 0; i < 500; i++) channel.sendToQueue(queue, body, { persistent: true });
      await channel.waitForConfirms();
    }
    await all;
    const cpu = meter();
    await consumer.close();
    await channel.deleteQueue(queue);
    await connection.close();
    primitives.message = { label: 'AMQP publish + confirm + consume + ack, persistent', usPerOp: (sum(cpu) / n) * 1e6 };
  }
  for (const p of Object.values(primitives)) step(`primitive: ${p.label}: ${p.usPerOp.toFixed(0)} µs CPU`);

  // ---- 3. a constant rate, measured per order ----------------------------------------------------------------
  const { runProfile } = await import('./lab/dist/run.js');
  const { systemClock } = await import('./lab/dist/clock.js');
  const accounts = JSON.parse(readFileSync(path.join(stateDir, 'demo-accounts.json'), 'utf8'));
  const admin = { ...accounts.admin, who: 'the bench stack’s demo admin' };
  const { metricSource, parseMetrics } = await import('./lab/dist/metrics.js');
  const { targets } = metricSource({ stateDir });
  const FAMILIES = {
    httpRequests: 'http_server_request_duration_seconds_count',
    published: 'messages_published_total',
    consumed: 'messages_consumed_total',
  };
  const keep = new Set(Object.values(FAMILIES));
  const counters = async () => {
    const samples = (
      await Promise.all(
        targets.map(async ({ url }) => {
          const res = await request(url).catch(() => undefined);
          return res ? parseMetrics(await res.body.text(), keep) : [];
        }),
      )
    ).flat();
    const total = (family) => samples.filter((x) => x.name === family).reduce((n, x) => n + x.value, 0);
    const { httpRequests, published, consumed } = Object.fromEntries(
      Object.entries(FAMILIES).map(([key, family]) => [key, total(family)]),
    );
    const client = new pg.Client({ connectionString: POSTGRES });
    await client.connect();
    const { rows } = await client.query(
      `SELECT datname, xact_commit::bigint AS commits FROM pg_stat_database WHERE datname LIKE $1 AND datname <> $2`,
      [`${dbPrefix}%`, `${dbPrefix}primitives`],
    );
    await client.end();
    const byDatabase = Object.fromEntries(rows.map((r) => [r.datname.slice(dbPrefix.length), Number(r.commits)]));
    return { httpRequests, published, consumed, commits: sum(byDatabase), byDatabase };
  };
  const shopper = (name, load, thresholds = []) => ({
    name,
    description: name,
    scenario: 'shopper',
    users: 60,
    orderTimeout: '30s',
    load,
    thresholds,
  });
  step(`${STAGE_RATE} orders/s for ${STAGE}: latency and the resources each order takes`);
  const meter = cpuMeter({ ...servicePids, ...infraPids });
  const before = await counters();
  let stop;
  const stage = await runProfile(
    shopper('stage', { executor: 'constant-arrival-rate', rate: STAGE_RATE, duration: STAGE, maxInFlight: 2_000 }),
    {
      baseUrl: GATEWAY,
      admin,
      restockTo: 200_000,
      clock: systemClock,
      onStart: () => (stop = meter.start()),
      log: step,
    },
  );
  const cpu = stop();
  // PostgreSQL's statistics reach pg_stat_database within a second of each commit.
  await new Promise((r) => setTimeout(r, 1_500));
  const after = await counters();
  const r = stage.recorder;
  const completed = r.countOf('orders approved') + r.countOf('orders rejected');
  const perOrder = (k) => (after[k] - before[k]) / Math.max(1, completed);
  const place = r.summary('place', 'corrected', stage.executor.expectedIntervalMs);
  const saga = r.summary('saga completion', 'corrected');
  const stackCpu = sum(cpu) - cpu['load generator'];
  const cpuPerOrder = (stackCpu / Math.max(1, completed)) * 1_000;

  // ---- 4. the ramp, until completion breaks -------------------------------------------------------------------
  step(`ramping ${RAMP_FROM} → ${RAMP_TO} orders/s over ${RAMP_FOR} until saga completion p99 > 2 s over 5 s`);
  const ramp = await runProfile(
    shopper(
      'ramp',
      {
        executor: 'ramping-arrival-rate',
        startRate: Number(RAMP_FROM),
        stages: [{ target: Number(RAMP_TO), duration: RAMP_FOR }],
        maxInFlight: 4_000,
      },
      [{ threshold: 'saga completion p99 < 2s over 5s', abortOnFail: true, delay: '10s' }],
    ),
    { baseUrl: GATEWAY, admin, clock: systemClock, log: step },
  );
  // Sustained: orders completed per second over the 10 s before the break (or the last 10 s of the ramp).
  const timeline = ramp.recorder.timeline();
  const brokeAt = ramp.abortedBy?.brokeAt ?? timeline.length;
  const window = timeline.slice(Math.max(0, brokeAt - 10), brokeAt);
  const sustained =
    window.reduce((n, s) => n + (s.counts['orders approved'] ?? 0) + (s.counts['orders rejected'] ?? 0), 0) /
    Math.max(1, window.length);

  // ---- the table ------------------------------------------------------------------------------------------------
  const floorMs =
    (perOrder('httpRequests') * primitives.http.usPerOp +
      perOrder('commits') * primitives.commit.usPerOp +
      perOrder('consumed') * primitives.message.usPerOp) /
    1_000;
  const floorRate = (CORES * 1_000) / floorMs;
  const ratio = sustained / floorRate;
  const ms = (v) => (v === undefined ? '—' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
  const lines = [
    '',
    `bench:saga on ${os.cpus()[0]?.model ?? 'this machine'} (${CORES} cores), Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    'primitives (CPU per operation, every process involved):',
    ...Object.values(primitives).map((p) => `  ${p.label.padEnd(62)} ${p.usPerOp.toFixed(0).padStart(6)} µs`),
    '',
    `at ${STAGE_RATE} orders/s for ${STAGE} (${completed} completed, ${r.countOf('orders timed out')} timed out):`,
    `  placement p50 / p99                 ${ms(place?.p50)} / ${ms(place?.p99)}`,
    `  completion p50 / p99                ${ms(saga?.p50)} / ${ms(saga?.p99)}`,
    `  CPU per order, the stack            ${cpuPerOrder.toFixed(1)} ms (the load generator: ${((cpu['load generator'] / Math.max(1, completed)) * 1_000).toFixed(1)} ms)`,
    ...Object.entries(cpu)
      .filter(([name]) => name !== 'load generator')
      .sort(([, a], [, b]) => b - a)
      .map(([name, s]) => `    ${name.padEnd(32)} ${((s / Math.max(1, completed)) * 1_000).toFixed(2)} ms`),
    `  PostgreSQL commits per order        ${perOrder('commits').toFixed(1)} (${Object.keys(after.byDatabase)
      .map((db) => [db, (after.byDatabase[db] - (before.byDatabase[db] ?? 0)) / Math.max(1, completed)])
      .sort(([, a], [, b]) => b - a)
      .map(([db, n]) => `${db} ${n.toFixed(1)}`)
      .join(', ')})`,
    `  HTTP requests per order             ${perOrder('httpRequests').toFixed(1)} (served, every service; 3 from the shopper)`,
    `  broker messages per order           ${perOrder('published').toFixed(1)} published, ${perOrder('consumed').toFixed(1)} consumed`,
    '',
    `ramp ${RAMP_FROM} → ${RAMP_TO}/s: ${ramp.abortedBy ? `completion p99 broke 2 s at ${brokeAt} s (about ${ramp.kneeRate} orders/s offered)` : 'never broke'}; completed ${sustained.toFixed(1)} orders/s over the 10 s before`,
    `floor from the primitives: ${floorMs.toFixed(2)} ms CPU per order → ${floorRate.toFixed(0)} orders/s on ${CORES} cores`,
    '',
    `saga: sustained ${sustained.toFixed(0)} orders/s, ${cpuPerOrder.toFixed(1)} ms CPU per order, ${ratio.toFixed(2)}x of floor`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (error) {
  console.error(`bench:saga: ${error.stack ?? error.message}\n--- the stack's output ---\n${stackOutput.slice(-2000)}`);
  process.exitCode = 1;
} finally {
  await stopStack();
}
