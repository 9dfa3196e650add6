#!/usr/bin/env node
// `npm run stack [-- --only user-service,...]`: builds, then starts every service of the catalog against the local
// PostgreSQL/Redis/RabbitMQ, in dependency order, waits until each is ready, prints a table of URLs, and stops
// everything cleanly on Ctrl-C. Logs go to .stack/logs/<service>.log (JSON lines). `--help` lists the options
// (the e2e suite uses them to run a stack of its own: own databases, queue namespace, restarts).
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { loadCatalog, serviceEnvironment, storeOf, storeOverride } from './catalog.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const options = {
  noBuild: false,
  restart: false,
  stateDir: path.join(root, '.stack'),
  dbPrefix: 'refarch_',
  namespace: undefined,
  observe: false,
  traces: false,
  prometheusPort: 9090,
  profile: undefined,
  faultProxy: false,
  faultProxyPort: 8474,
};

/**
 * `--profile load`: what a load generator on the same machine needs (docs/lab.md). The gateway's rate limits are
 * per client IP and per user, sized for people: one machine signing up a pool of shoppers and ordering for them
 * would be refused within a minute. Access logs go to `warn`, so a busy run does not write a line per request.
 */
const PROFILES = {
  load: {
    all: { LOG_LEVEL: 'warn' },
    'api-gateway': { RATE_LIMIT_ANONYMOUS_POINTS: '100000', RATE_LIMIT_POINTS: '100000' },
  },
};

const INFRA = {
  postgres: {
    label: 'PostgreSQL',
    url: process.env.STACK_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    compose: 'postgres',
  },
  // Only services generated with --store mongodb need it (order-service runs on MongoDB by STACK_ORDERS_DB_URL).
  mongodb: {
    label: 'MongoDB',
    url: process.env.STACK_MONGO_URL ?? 'mongodb://127.0.0.1:27017/?directConnection=true',
    compose: 'mongodb',
  },
  redis: { label: 'Redis', url: process.env.STACK_REDIS_URL ?? 'redis://127.0.0.1:6379', compose: 'redis' },
  rabbitmq: {
    label: 'RabbitMQ',
    url: process.env.STACK_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    compose: 'rabbitmq',
  },
};

/**
 * Every service of the catalog (tools/catalog.mjs: the "refarch" block of each service's package.json), in start
 * order — a service starts after the services it calls — with the environment the stack gives it.
 */
const SERVICES = loadCatalog().map((entry) => {
  return {
    name: entry.name,
    dir: entry.dir,
    port: entry.port,
    needs: entry.needs,
    // A store URL given in the environment (STACK_ORDERS_DB_URL=mongodb://…) replaces the stack's database.
    database: storeOverride(entry) ? undefined : entry.database?.name,
    store: storeOf(entry),
    entry: entry.entry,
    readyPath: entry.readyPath,
    public: entry.public,
    consumes: entry.consumes === true,
    uses: entry.uses ?? [],
    env: (ctx) =>
      serviceEnvironment(entry, {
        ...ctx,
        rabbitmqUrl: INFRA.rabbitmq.url,
        redisUrl: INFRA.redis.url,
        urlOf: (name) => `http://127.0.0.1:${portOf(name)}`,
        namespace: options.namespace,
      }),
  };
});

function portOf(name) {
  return SERVICES.find((s) => s.name === name).port;
}

const USAGE = `usage: npm run stack [-- options]
  --only <a,b,...>         start these services only
  --no-build               skip the build (already built)
  --restart                restart a service that exits unexpectedly (as Kubernetes would) instead of stopping all
  --state-dir <dir>        logs, pids.json, dev keys (default .stack)
  --db-prefix <prefix>     database names <prefix><name> (default refarch_; tests use refarch_test_…)
  --namespace <ns>         MESSAGING_NAMESPACE of every service: own exchanges and queues on a shared broker
  --observe                also start Prometheus (Debian's prometheus package) scraping every service, with the
                           alert rules of k8s/components/monitoring (docs/observability.md)
  --prometheus-port <n>    its port (default 9090)
  --fault-proxy            a TCP proxy between every service and each of its dependencies, with an API on
                           127.0.0.1:8474 to break one link (latency, timeout, reset, down): npm run experiment's
                           network faults (docs/lab.md)
  --fault-proxy-port <n>   its API's port (default 8474)
  --profile load           rate limits sized for a load generator on this machine, logs at warn (docs/lab.md)
  --cpu-prof               every Node service writes a V8 CPU profile to <state-dir>/cpu-profiles/ when it stops
                           (open it in Chrome DevTools; npm run bench:saga -- --cpu-prof sums them up)
  --traces                 every service records OpenTelemetry spans to <state-dir>/traces/<service>.jsonl (OTLP
                           JSON); \`npm run trace -- <orderId|traceId>\` prints one as a waterfall`;

function parseArgs(argv) {
  const only = [];
  const value = (i) => {
    if (!argv[i + 1] || argv[i + 1].startsWith('--')) {
      console.error(`${argv[i]} needs a value\n${USAGE}`);
      process.exit(2);
    }
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-build') options.noBuild = true;
    else if (arg === '--restart') options.restart = true;
    else if (arg === '--state-dir') options.stateDir = path.resolve(value(i++));
    else if (arg === '--db-prefix') options.dbPrefix = value(i++);
    else if (arg === '--namespace') options.namespace = value(i++);
    else if (arg === '--observe') options.observe = true;
    else if (arg === '--traces') options.traces = true;
    else if (arg === '--fault-proxy') options.faultProxy = true;
    else if (arg === '--cpu-prof') options.cpuProf = true;
    else if (arg === '--fault-proxy-port') options.faultProxyPort = Number(value(i++));
    else if (arg === '--profile') {
      options.profile = value(i++);
      if (!PROFILES[options.profile]) {
        console.error(`unknown profile: ${options.profile} (known: ${Object.keys(PROFILES).join(', ')})`);
        process.exit(2);
      }
    } else if (arg === '--prometheus-port') options.prometheusPort = Number(value(i++));
    else if (arg === '--only') {
      while (argv[i + 1] && !argv[i + 1].startsWith('--')) only.push(...argv[++i].split(',').filter(Boolean));
    } else if (arg.startsWith('--only=')) only.push(...arg.slice(7).split(',').filter(Boolean));
    else if (arg === '--help' || arg === '-h') {
      console.log(`${USAGE}\nservices: ${SERVICES.map((s) => s.name).join(', ')}`);
      process.exit(0);
    } else {
      console.error(`unknown argument: ${arg} (try --help)`);
      process.exit(2);
    }
  }
  if (!/^[a-z_][a-z0-9_]*$/.test(options.dbPrefix)) {
    console.error('--db-prefix must be lower-case letters, digits and _');
    process.exit(2);
  }
  const unknown = only.filter((n) => !SERVICES.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown service(s): ${unknown.join(', ')}; known: ${SERVICES.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  return only.length ? SERVICES.filter((s) => only.includes(s.name)) : SERVICES;
}

const DEFAULT_PORTS = { 'postgres:': 5432, 'postgresql:': 5432, 'mongodb:': 27017, 'redis:': 6379, 'amqp:': 5672 };

function reachable(url, ms = 1000) {
  const { hostname, port, protocol } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || DEFAULT_PORTS[protocol]), timeout: ms });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Starts an embedded default (maildev, s3rver, Prometheus) as a child that stops with the stack, and waits until
 * `readyUrl` answers (`ready(response)`, any answer by default). Resolves whether it did; when not, warns with
 * `unavailable` (what that means for the user) and the child's last error output, and kills it.
 */
async function startEmbedded(name, command, args, { readyUrl, ready = () => true, unavailable, timeoutMs = 20_000 }) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const log = createWriteStream(path.join(logDir, `${name}.log`));
  child.stderr.pipe(log);
  embedded.push({ name, child });
  for (const end = Date.now() + timeoutMs; Date.now() < end && child.exitCode === null;) {
    if (await fetch(readyUrl).then(ready, () => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`${name} did not start (${unavailable}): see ${path.relative(root, path.join(logDir, `${name}.log`))}`);
  child.kill('SIGKILL');
  return false;
}

/**
 * An embedded default the selected services `use` (catalog): the server at `envVar` (or `url`) when it answers,
 * otherwise `start()` unless the user named one with `envVar`. Resolves whether this stack started it.
 */
async function useOrStart(kind, { label, envVar, url, unavailable, start }) {
  if (!selected.some((s) => s.uses.includes(kind))) return false;
  if (await reachable(url, 500)) {
    console.log(`${label}: ${new URL(url).host} answers (${envVar} or one already running)`);
    return false;
  }
  if (process.env[envVar]) {
    console.error(`${label}: nothing answers at ${envVar} (${url}): ${unavailable}`);
    return false;
  }
  return start();
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** A random secret of this state folder, made once and kept across restarts: `<state-dir>/<file>`. */
function stateSecret(file, bytes) {
  const at = path.join(options.stateDir, file);
  if (!existsSync(at)) writeFileSync(at, randomBytes(bytes).toString('base64url'), { mode: 0o600 });
  return readFileSync(at, 'utf8').trim();
}

function jwtKey() {
  const file = path.join(options.stateDir, 'jwt-private.pem');
  if (!existsSync(file)) {
    // Local development key, generated once and kept so tokens survive restarts. Never used outside this machine.
    const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    writeFileSync(file, pem, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

/** Local demo accounts (the admin's email is in the user-service's ADMIN_EMAILS); passwords kept per state dir. */
function demoAccounts() {
  const file = path.join(options.stateDir, 'demo-accounts.json');
  if (!existsSync(file)) {
    const accounts = {
      admin: { email: 'admin@refarch.local', password: randomBytes(9).toString('base64url'), name: 'Demo Admin' },
      shopper: { email: 'shopper@refarch.local', password: randomBytes(9).toString('base64url'), name: 'Demo Shopper' },
    };
    writeFileSync(file, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Registers the demo accounts (an existing one is kept) and checks that their passwords work. */
async function seedDemoAccounts(userServiceUrl, accounts) {
  const problems = [];
  for (const account of Object.values(accounts)) {
    const post = (p, body) =>
      fetch(`${userServiceUrl}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const registered = await post('/auth/register', account);
    if (registered.status !== 201 && registered.status !== 409)
      problems.push(`${account.email}: register ${registered.status}`);
    const login = await post('/auth/login', { email: account.email, password: account.password });
    if (login.status !== 200)
      problems.push(
        `${account.email} exists with another password (delete ${path.join(options.stateDir, 'demo-accounts.json')} and its database to reset)`,
      );
  }
  return problems;
}

async function ensureDatabases(names) {
  const client = new pg.Client({ connectionString: INFRA.postgres.url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    for (const name of names) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) {
        await client.query(`CREATE DATABASE "${name}"`);
        console.log(`  created database ${name}`);
      }
    }
  } finally {
    await client.end();
  }
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const selected = parseArgs(process.argv.slice(2));
const logDir = path.join(options.stateDir, 'logs');
mkdirSync(logDir, { recursive: true });
// --traces: a fresh directory per stack (a service restarted within it appends to its file).
const tracesDir = path.join(options.stateDir, 'traces');
if (options.traces) {
  rmSync(tracesDir, { recursive: true, force: true });
  mkdirSync(tracesDir, { recursive: true });
}
// What this stack runs, for tools that clean up after it (the e2e helper removes the consumer queues) and tests.
writeFileSync(
  path.join(options.stateDir, 'services.json'),
  `${JSON.stringify(
    selected.map((s) => ({ name: s.name, port: s.port, consumes: s.consumes, public: Boolean(s.public) })),
    null,
    2,
  )}\n`,
);

// How it runs, for the lab's experiments: a kill fault needs --restart (a network fault, fault-proxy.json below).
writeFileSync(path.join(options.stateDir, 'stack.json'), `${JSON.stringify({ restart: options.restart }, null, 2)}\n`);

// 1. Infrastructure
const needed = [...new Set(selected.flatMap((s) => s.needs))];
const missing = [];
for (const kind of needed) if (!(await reachable(INFRA[kind].url))) missing.push(kind);
if (missing.length) {
  console.error(
    `\nMissing infrastructure: ${missing.map((k) => `${INFRA[k].label} (${new URL(INFRA[k].url).host})`).join(', ')}`,
  );
  console.error('Start it with a container engine:');
  console.error(`  docker compose -f docker/compose.yaml up -d ${missing.map((k) => INFRA[k].compose).join(' ')}`);
  console.error(
    'or point the stack at running servers with STACK_POSTGRES_URL / STACK_MONGO_URL / STACK_REDIS_URL / STACK_RABBITMQ_URL.',
  );
  process.exit(1);
}
console.log(`infrastructure: ${needed.map((k) => `${INFRA[k].label} ✓`).join('  ')}`);
if (options.profile === 'load') {
  const { RATE_LIMIT_POINTS, RATE_LIMIT_ANONYMOUS_POINTS } = PROFILES.load['api-gateway'];
  console.log(
    `profile load: the gateway rate-limits at ${RATE_LIMIT_POINTS} requests a minute per user and ${RATE_LIMIT_ANONYMOUS_POINTS} per IP; logs at ${PROFILES.load.all.LOG_LEVEL}`,
  );
}

// Embedded defaults: what a service talks to but serves without (catalog `uses`), started here when nothing answers.
const embedded = [];
const mail = { smtpUrl: process.env.STACK_SMTP_URL ?? 'smtp://127.0.0.1:1025', webUrl: 'http://localhost:1080' };
mail.started = await useOrStart('smtp', {
  label: 'mail',
  envVar: 'STACK_SMTP_URL',
  url: mail.smtpUrl,
  unavailable: 'emails wait in the retry queues',
  // maildev (npm) as the local SMTP sink: every email the stack sends is in its web UI.
  start: async () => {
    if (!(await portFree(1080))) {
      console.error("mail: port 1080 for maildev's web UI is in use: no mail sink (emails wait and retry)");
      return false;
    }
    const args = ['--smtp', '1025', '--ip', '127.0.0.1', '--web', '1080', '--web-ip', '127.0.0.1', '--silent'];
    const bin = path.join(root, 'node_modules/maildev/dist/bin/maildev.js');
    const up = await startEmbedded('maildev', process.execPath, [bin, ...args], {
      readyUrl: 'http://127.0.0.1:1080/api/healthz',
      ready: (r) => r.ok,
      unavailable: 'emails wait and retry',
    });
    if (up) console.log(`mail: maildev started (SMTP 127.0.0.1:1025, web UI ${mail.webUrl})`);
    return up;
  },
});
// The data lake of `npm run analytics:export`: s3rver, its objects in the state folder (they outlive the stack).
const lake = { url: process.env.STACK_S3_URL ?? 'http://127.0.0.1:4569' };
lake.started = await useOrStart('s3', {
  label: 'lake',
  envVar: 'STACK_S3_URL',
  url: lake.url,
  unavailable: 'npm run analytics:export will fail',
  start: async () => {
    const directory = path.join(options.stateDir, 'lake');
    mkdirSync(directory, { recursive: true });
    const bin = path.join(root, 'node_modules/s3rver/bin/s3rver.js');
    const args = ['-d', directory, '-a', '127.0.0.1', '-p', '4569', '--silent'];
    const up = await startEmbedded('s3rver', process.execPath, [bin, ...args], {
      readyUrl: 'http://127.0.0.1:4569',
      unavailable: 'npm run analytics:export will fail',
    });
    if (up) console.log(`lake: s3rver started (${lake.url}, data in ${path.relative(root, directory)})`);
    return up;
  },
});

// 2. Build and prepare
if (!options.noBuild) {
  const build = spawnSync(process.execPath, [path.join(root, 'tools/build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// MongoDB creates a database on first write; PostgreSQL's are created here.
const databases = selected
  .map((s) => s.database && s.store === 'postgres' && `${options.dbPrefix}${s.database}`)
  .filter(Boolean);
if (databases.length) await ensureDatabases(databases);
const ctx = {
  adminToken: stateSecret('admin-token', 24),
  // The service credential's secret (libs/bootstrap identity.ts).
  serviceTokenSecret: stateSecret('service-token-secret', 36),
  jwtPrivateKey: jwtKey(),
  smtpUrl: mail.smtpUrl,
  databaseUrl: (db, store) => {
    const url = new URL(INFRA[store].url);
    url.pathname = `/${options.dbPrefix}${db}`;
    return url.toString();
  },
};

// --fault-proxy: every service reaches each dependency through a link of its own (`<service>-><dependency>`), so
// an experiment can break one service's database without touching the others' (tools/lab/src/fault-proxy.ts).
const faultProxy = options.faultProxy ? await startFaultProxyForStack() : undefined;

async function startFaultProxyForStack() {
  const { startFaultProxy } = await import('../tools/lab/dist/fault-proxy.js');
  let proxy;
  try {
    proxy = await startFaultProxy(options.faultProxyPort);
  } catch (error) {
    console.error(`--fault-proxy: cannot listen on 127.0.0.1:${options.faultProxyPort} (${error.message})`);
    process.exit(1);
  }
  for (const service of selected) {
    const routes = {};
    for (const kind of service.needs) {
      const target = new URL(INFRA[kind].url);
      const port = Number(target.port || DEFAULT_PORTS[target.protocol]);
      routes[`${target.hostname}:${port}`] = await proxy.add(`${service.name}->${kind}`, {
        host: target.hostname,
        port,
      });
    }
    service.proxied = routes;
  }
  writeFileSync(path.join(options.stateDir, 'fault-proxy.json'), `${JSON.stringify({ url: proxy.url }, null, 2)}\n`);
  console.log(`fault proxy: ${proxy.links.size} links, API ${proxy.url}/links (docs/lab.md)`);
  return proxy;
}

/** A service's environment with every dependency URL pointed at its own link of the fault proxy. */
function throughProxy(service, env) {
  if (!service.proxied) return env;
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => {
      if (typeof value !== 'string' || !/^[a-z+]+:\/\//.test(value)) return [key, value];
      const url = new URL(value);
      const port = Number(url.port || DEFAULT_PORTS[url.protocol]);
      const proxied = service.proxied[`${url.hostname}:${port}`];
      if (!proxied) return [key, value];
      url.hostname = '127.0.0.1';
      url.port = String(proxied);
      return [key, url.toString()];
    }),
  );
}

// 3. Start in order, each ready before the next
const children = new Map();
let stopping = false;

function writePids() {
  const pids = Object.fromEntries([...children].map(([name, child]) => [name, child.pid]));
  writeFileSync(path.join(options.stateDir, 'pids.json'), `${JSON.stringify(pids, null, 2)}\n`);
}

/** Starts (or, with --restart, restarts) one service; its output is appended to its log. */
function launch(service, restarts) {
  const logFile = path.join(logDir, `${service.name}.log`);
  const log = createWriteStream(logFile, { flags: restarts ? 'a' : 'w' });
  // The tracing entry is always loaded (as in the image); it starts the SDK only when tracing is configured.
  const argv = [
    '--enable-source-maps',
    ...(options.cpuProf
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          path.join(options.stateDir, 'cpu-profiles'),
          '--cpu-prof-name',
          `${service.name}.${restarts}.cpuprofile`,
        ]
      : []),
    '--import',
    '@refarch/observability/register',
    service.entry ?? 'dist/main.js',
  ];
  const child = spawn(process.execPath, argv, {
    cwd: path.join(root, 'services', service.dir ?? service.name),
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(service.port),
      ADMIN_TOKEN: ctx.adminToken,
      SERVICE_TOKEN_SECRET: ctx.serviceTokenSecret,
      ...(options.namespace ? { MESSAGING_NAMESPACE: options.namespace } : {}),
      ...(options.traces
        ? { OTEL_SERVICE_NAME: service.name, REFARCH_TRACES_FILE: path.join(tracesDir, `${service.name}.jsonl`) }
        : {}),
      ...throughProxy(service, service.env(ctx)),
      ...(options.profile ? { ...PROFILES[options.profile].all, ...PROFILES[options.profile][service.name] } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.set(service.name, child);
  writePids();
  child.once('exit', (code, signal) => {
    if (stopping) return;
    const why = `${service.name} exited (${signal ?? `code ${code}`})`;
    if (options.restart && restarts < 20) {
      console.error(`\n${why}: restarting (${restarts + 1})`);
      setTimeout(() => !stopping && launch(service, restarts + 1), 500);
      return;
    }
    console.error(`\n${why}. Last lines of ${path.relative(root, logFile)}:\n${tail(logFile)}`);
    void stopAll(1);
  });
}

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  const exits = [...children.entries()].reverse().map(
    ([name, child]) =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          console.log(`  ${name} stopped (exit ${exitCode})`);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  );
  await Promise.all(exits);
  for (const { child } of embedded) if (child.exitCode === null) child.kill('SIGTERM');
  if (faultProxy) {
    rmSync(path.join(options.stateDir, 'fault-proxy.json'), { force: true });
    await faultProxy.close();
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

for (const service of selected) {
  if (!(await portFree(service.port))) {
    console.error(
      `port ${service.port} for ${service.name} is in use: stop whatever holds it (is a stack already running?)`,
    );
    await stopAll(1);
  }
  launch(service, 0);
  const started = Date.now();
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  for (;;) {
    if (stopping) break;
    const ok = await fetch(`http://127.0.0.1:${service.port}${service.readyPath ?? '/health/ready'}`).then(
      (r) => r.status === 200,
      () => false,
    );
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    if (ok) {
      process.stdout.write(`\r  ✓ ${service.name} ready in ${elapsed}s${' '.repeat(20)}\n`);
      break;
    }
    if (Date.now() - started > 60_000) {
      const logFile = path.join(logDir, `${service.name}.log`);
      console.error(
        `\n${service.name} not ready after 60 s. Last lines of ${path.relative(root, logFile)}:\n${tail(logFile)}`,
      );
      await stopAll(1);
    }
    if (process.stdout.isTTY)
      process.stdout.write(`\r  ${frames[frame++ % frames.length]} waiting for ${service.name} (${elapsed}s)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// 4. Prometheus (--observe)
const prometheus = options.observe ? await startPrometheus() : undefined;
// Debian's package ships only the classic UI (/alerts is a 404 there, /classic/alerts works); upstream's has both.
const promUi =
  prometheus &&
  !(await fetch(`${prometheus}/alerts`).then(
    (r) => r.ok,
    () => false,
  ))
    ? '/classic'
    : '';

/**
 * Debian's Prometheus scraping every started service that has /metrics (labelled like the cluster's PodMonitor:
 * `namespace`, `pod`, `app`), with the monitoring component's rules, its data in the state folder. Resolves with
 * its URL, or undefined (one line saying how to install it) when there is no prometheus binary.
 */
async function startPrometheus() {
  const bin = process.env.STACK_PROMETHEUS ?? '/usr/bin/prometheus';
  if (spawnSync(bin, ['--version']).status !== 0) {
    console.error(`--observe: no Prometheus at ${bin}: apt-get install -y prometheus (or set STACK_PROMETHEUS)`);
    return undefined;
  }
  const dir = path.join(options.stateDir, 'prometheus');
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const rules = parse(readFileSync(path.join(root, 'k8s/components/monitoring/rules.yaml'), 'utf8'));
  writeFileSync(path.join(dir, 'refarch.rules.yaml'), stringify({ groups: rules.spec.groups }));
  const targets = selected.filter((s) => !s.entry);
  // RabbitMQ's own metrics, per queue, when its rabbitmq_prometheus plugin answers (the dashboards' queue panels).
  const rabbitmqMetrics = new URL(process.env.STACK_RABBITMQ_METRICS_URL ?? 'http://127.0.0.1:15692');
  const rabbitmqUp = await fetch(new URL('/metrics/per-object', rabbitmqMetrics), {
    signal: AbortSignal.timeout(3_000),
  })
    .then((r) => r.ok)
    .catch(() => false);
  if (!rabbitmqUp)
    console.error(
      `--observe: no RabbitMQ metrics at ${rabbitmqMetrics.host} (rabbitmq-plugins enable rabbitmq_prometheus, or set STACK_RABBITMQ_METRICS_URL): the queue panels stay empty`,
    );
  const config = {
    global: { scrape_interval: '5s', evaluation_interval: '5s' },
    rule_files: ['refarch.rules.yaml'],
    scrape_configs: [
      {
        job_name: 'refarch',
        static_configs: targets.map((s) => ({
          targets: [`127.0.0.1:${s.port}`],
          labels: { namespace: 'refarch', pod: s.name, app: s.name },
        })),
      },
      ...(rabbitmqUp
        ? [
            {
              job_name: 'rabbitmq',
              metrics_path: '/metrics/per-object',
              static_configs: [
                { targets: [rabbitmqMetrics.host], labels: { namespace: 'refarch', pod: 'rabbitmq', app: 'rabbitmq' } },
              ],
            },
          ]
        : []),
    ],
  };
  writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
  const url = `http://127.0.0.1:${options.prometheusPort}`;
  const args = [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${options.prometheusPort}`,
    '--storage.tsdb.retention.time=2d',
  ];
  const up = await startEmbedded('prometheus', bin, args, {
    readyUrl: `${url}/-/ready`,
    ready: (r) => r.ok,
    unavailable: 'no --observe',
  });
  if (!up) return undefined;
  console.log(
    `prometheus: scraping ${targets.length} services${rabbitmqUp ? ' and RabbitMQ' : ''}, rules loaded (${url})`,
  );
  return url;
}

// 5. Demo accounts
const accounts = demoAccounts();
const seeded = selected.some((s) => s.name === 'user-service')
  ? await seedDemoAccounts(`http://127.0.0.1:${portOf('user-service')}`, accounts)
  : ['user-service not started'];
for (const problem of seeded) console.error(`  demo accounts: ${problem}`);

// 6. Table
// What is served at the site's root (the frontend) first: it is where a person starts.
const rows = [...selected]
  .sort((a, b) => Number(b.public === '/') - Number(a.public === '/'))
  .map((s) => [
    s.name,
    `http://localhost:${s.port}`,
    s.readyPath ?? `/health/ready`,
    s.entry ? '—' : `/metrics`,
    path.relative(root, path.join(logDir, `${s.name}.log`)),
  ]);
const header = ['service', 'url', 'readiness', 'metrics', 'log'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) =>
  cells
    .map((c, i) => c.padEnd(widths[i]))
    .join('  ')
    .trimEnd();
console.log(`\n${line(header)}\n${widths.map((w) => '─'.repeat(w)).join('  ')}`);
for (const row of rows) console.log(line(row));
console.log(
  `\nAdmin API (/admin/breakers, /admin/faults): Authorization: Bearer ${ctx.adminToken}  (${path.relative(root, path.join(options.stateDir, 'admin-token'))})`,
);
if (mail.started) console.log(`Mail (maildev): ${mail.webUrl}  — every email the stack sends`);
if (prometheus)
  console.log(
    `Prometheus: ${prometheus}  — targets at ${prometheus}${promUi}/targets, alerts at ${prometheus}${promUi}/alerts`,
  );
if (options.traces)
  console.log(
    `Traces: ${path.relative(root, tracesDir)}/  — npm run trace -- <orderId|traceId>${options.stateDir === path.join(root, '.stack') ? '' : ` --state-dir ${path.relative(root, options.stateDir)}`}`,
  );
if (lake.started) console.log(`Data lake (s3rver): ${lake.url}  — npm run analytics:export -- --date today`);
if (!seeded.length) {
  console.log(`Demo accounts (local only; ${path.relative(root, path.join(options.stateDir, 'demo-accounts.json'))}):`);
  for (const [role, a] of Object.entries(accounts))
    console.log(`  ${role.padEnd(8)} ${a.email}  password ${a.password}`);
}
console.log('Press Ctrl-C to stop everything.');
