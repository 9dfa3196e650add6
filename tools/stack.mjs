#!/usr/bin/env node
// `npm run stack [-- --only user-service,...]`: builds, then starts every service built so far against the local
// PostgreSQL/Redis/RabbitMQ, in dependency order, waits until each is ready, prints a table of URLs, and stops
// everything cleanly on Ctrl-C. Logs go to .stack/logs/<service>.log (JSON lines).
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = path.join(root, '.stack');
const logDir = path.join(stateDir, 'logs');

const INFRA = {
  postgres: {
    label: 'PostgreSQL',
    url: process.env.STACK_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    compose: 'postgres',
  },
  redis: { label: 'Redis', url: process.env.STACK_REDIS_URL ?? 'redis://127.0.0.1:6379', compose: 'redis' },
  rabbitmq: {
    label: 'RabbitMQ',
    url: process.env.STACK_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    compose: 'rabbitmq',
  },
};

/** Every service built so far, in start order (a service starts after those it calls). */
const SERVICES = [
  {
    name: 'user-service',
    port: 3001,
    needs: ['postgres', 'rabbitmq'],
    database: 'refarch_users',
    env: (ctx) => ({
      DATABASE_URL: ctx.databaseUrl('refarch_users'),
      RABBITMQ_URL: INFRA.rabbitmq.url,
      JWT_PRIVATE_KEY: ctx.jwtPrivateKey,
      ADMIN_EMAILS: 'admin@refarch.local',
    }),
  },
  {
    name: 'payment-service',
    port: 3003,
    needs: ['postgres', 'rabbitmq'],
    database: 'refarch_payments',
    env: (ctx) => ({ DATABASE_URL: ctx.databaseUrl('refarch_payments'), RABBITMQ_URL: INFRA.rabbitmq.url }),
  },
  {
    name: 'inventory-service',
    port: 3004,
    needs: ['postgres', 'rabbitmq'],
    database: 'refarch_inventory',
    env: (ctx) => ({ DATABASE_URL: ctx.databaseUrl('refarch_inventory'), RABBITMQ_URL: INFRA.rabbitmq.url }),
  },
  {
    name: 'shipping-worker',
    dir: 'workers',
    port: 3006,
    needs: ['postgres', 'rabbitmq'],
    database: 'refarch_shipping',
    env: (ctx) => ({
      WORKER_ROLE: 'shipping',
      DATABASE_URL: ctx.databaseUrl('refarch_shipping'),
      RABBITMQ_URL: INFRA.rabbitmq.url,
    }),
  },
  {
    name: 'order-service',
    port: 3002,
    needs: ['postgres', 'rabbitmq'],
    // The PostgreSQL adapter of the order store; set STACK_ORDERS_DB_URL=mongodb://… to use a MongoDB instead.
    database: process.env.STACK_ORDERS_DB_URL ? undefined : 'refarch_orders',
    env: (ctx) => ({
      ORDERS_DB_URL: process.env.STACK_ORDERS_DB_URL ?? ctx.databaseUrl('refarch_orders'),
      RABBITMQ_URL: INFRA.rabbitmq.url,
      INVENTORY_URL: 'http://127.0.0.1:3004',
    }),
  },
  {
    name: 'saga-orchestrator',
    port: 3005,
    needs: ['postgres', 'rabbitmq'],
    database: 'refarch_sagas',
    env: (ctx) => ({
      DATABASE_URL: ctx.databaseUrl('refarch_sagas'),
      RABBITMQ_URL: INFRA.rabbitmq.url,
      PAYMENT_URL: 'http://127.0.0.1:3003',
      INVENTORY_URL: 'http://127.0.0.1:3004',
      ORDER_URL: 'http://127.0.0.1:3002',
    }),
  },
];

function parseArgs(argv) {
  const only = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-build') noBuild = true;
    else if (argv[i] === '--only') {
      while (argv[i + 1] && !argv[i + 1].startsWith('--')) only.push(...argv[++i].split(',').filter(Boolean));
    } else if (argv[i].startsWith('--only=')) only.push(...argv[i].slice(7).split(',').filter(Boolean));
    else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log('usage: npm run stack [-- --only <service>[,<service>...]] [--no-build]');
      console.log(`services: ${SERVICES.map((s) => s.name).join(', ')}`);
      process.exit(0);
    } else {
      console.error(`unknown argument: ${argv[i]} (try --help)`);
      process.exit(2);
    }
  }
  const unknown = only.filter((n) => !SERVICES.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown service(s): ${unknown.join(', ')}; known: ${SERVICES.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  return only.length ? SERVICES.filter((s) => only.includes(s.name)) : SERVICES;
}

function reachable(url, ms = 1000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port), timeout: ms });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

function adminToken() {
  const file = path.join(stateDir, 'admin-token');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function jwtKey() {
  const file = path.join(stateDir, 'jwt-private.pem');
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

let noBuild = false;
const selected = parseArgs(process.argv.slice(2));
mkdirSync(logDir, { recursive: true });

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
    'or point the stack at running servers with STACK_POSTGRES_URL / STACK_REDIS_URL / STACK_RABBITMQ_URL.',
  );
  process.exit(1);
}
console.log(`infrastructure: ${needed.map((k) => `${INFRA[k].label} ✓`).join('  ')}`);

// 2. Build and prepare
if (!noBuild) {
  const build = spawnSync(process.execPath, [path.join(root, 'tools/build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const databases = selected.map((s) => s.database).filter(Boolean);
if (databases.length) await ensureDatabases(databases);
const ctx = {
  adminToken: adminToken(),
  jwtPrivateKey: jwtKey(),
  databaseUrl: (db) => {
    const url = new URL(INFRA.postgres.url);
    url.pathname = `/${db}`;
    return url.toString();
  },
};

// 3. Start in order, each ready before the next
const children = new Map();
let stopping = false;

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
  const logFile = path.join(logDir, `${service.name}.log`);
  const log = createWriteStream(logFile, { flags: 'w' });
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
    cwd: path.join(root, 'services', service.dir ?? service.name),
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(service.port),
      ADMIN_TOKEN: ctx.adminToken,
      ...service.env(ctx),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.set(service.name, child);
  child.once('exit', (code) => {
    if (!stopping) {
      console.error(
        `\n${service.name} exited (code ${code}). Last lines of ${path.relative(root, logFile)}:\n${tail(logFile)}`,
      );
      void stopAll(1);
    }
  });

  const started = Date.now();
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  for (;;) {
    if (stopping) break;
    const ok = await fetch(`http://127.0.0.1:${service.port}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    if (ok) {
      process.stdout.write(`\r  ✓ ${service.name} ready in ${elapsed}s${' '.repeat(20)}\n`);
      break;
    }
    if (Date.now() - started > 60_000) {
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

// 4. Table
const rows = selected.map((s) => [
  s.name,
  `http://localhost:${s.port}`,
  `/health/ready`,
  `/metrics`,
  `.stack/logs/${s.name}.log`,
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
  `\nAdmin API (/admin/breakers, /admin/faults): Authorization: Bearer ${ctx.adminToken}  (.stack/admin-token)`,
);
console.log('Account with the admin role: register admin@refarch.local. Press Ctrl-C to stop everything.');
