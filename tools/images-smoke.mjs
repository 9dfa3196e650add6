#!/usr/bin/env node
// `npm run images:smoke [-- <service> ...]`: builds the image of every Nest service with the container engine it
// finds (docker, else podman), starts each, checks GET /health/live, reports image size and start time, and
// removes what it created. Not part of `npm test` (a full build takes minutes).
//
// Engine selection: REFARCH_CONTAINER_ENGINE=docker|podman, else the first of docker, podman whose engine answers.
// Extra engine flags (e.g. podman --root/--runroot) go in REFARCH_ENGINE_ARGS; extra build flags (e.g. a CA bundle
// mount on a TLS-intercepting network) in REFARCH_BUILD_ARGS. docs/images.md shows both.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const words = (v) => (v ? v.split(/\s+/).filter(Boolean) : []);
const engineArgs = words(process.env.REFARCH_ENGINE_ARGS);
const buildArgs = words(process.env.REFARCH_BUILD_ARGS);

function run(engine, args, opts = {}) {
  return spawnSync(engine, [...engineArgs, ...args], { encoding: 'utf8', ...opts });
}

function findEngine() {
  const candidates = process.env.REFARCH_CONTAINER_ENGINE
    ? [process.env.REFARCH_CONTAINER_ENGINE]
    : ['docker', 'podman'];
  const tried = [];
  for (const engine of candidates) {
    const info = run(engine, ['info']);
    if (info.error) tried.push(`${engine}: not installed`);
    else if (info.status !== 0) tried.push(`${engine}: ${(info.stderr || info.stdout).trim().split('\n')[0]}`);
    else return engine;
  }
  console.error('No container engine found, so no image was built.');
  for (const t of tried) console.error(`  - ${t}`);
  console.error('Install Docker (https://docs.docker.com/engine/install/) or podman, or see docs/images.md.');
  process.exit(1);
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Enough configuration for every service to start and answer liveness without its dependencies.
const jwtKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
  format: 'pem',
  type: 'pkcs8',
});
const SMOKE_ENV = {
  DATABASE_URL: 'postgres://smoke@127.0.0.1:1/smoke',
  RABBITMQ_URL: 'amqp://smoke:smoke@127.0.0.1:1',
  REDIS_URL: 'redis://127.0.0.1:1',
  ORDERS_DB_URL: 'postgres://smoke@127.0.0.1:1/smoke',
  WORKER_ROLE: 'shipping',
  MIGRATE_ON_START: 'false',
  JWT_PRIVATE_KEY: jwtKey,
};

const requested = process.argv.slice(2);
// Nest services share docker/service.Dockerfile and answer /health/live; the frontend has its own recipe and /health.
const recipe = (name) => (name === 'frontend' ? 'docker/frontend.Dockerfile' : 'docker/service.Dockerfile');
const liveness = (name) => (name === 'frontend' ? '/health' : '/health/live');
const services = readdirSync(path.join(root, 'services'))
  .filter((name) => existsSync(path.join(root, 'services', name, 'src/main.ts')) || name === 'frontend')
  .filter((name) => requested.length === 0 || requested.includes(name));
if (services.length === 0) {
  console.error(`no such service: ${requested.join(', ')}`);
  process.exit(2);
}

const engine = findEngine();
console.log(`engine: ${engine}${engineArgs.length ? ` ${engineArgs.join(' ')}` : ''}`);
const results = [];
for (const service of services) {
  const image = `refarch/${service}:smoke`;
  const container = `refarch-smoke-${service}`;
  console.log(`\n▶ ${service}: building ${image} …`);
  const buildStart = Date.now();
  const build = run(
    engine,
    ['build', '-f', recipe(service), '--build-arg', `SERVICE=${service}`, '-t', image, ...buildArgs, '.'],
    { cwd: root, stdio: 'inherit' },
  );
  const buildSeconds = (Date.now() - buildStart) / 1000;
  if (build.status !== 0) {
    results.push({ service, ok: false, note: `build failed (exit ${build.status})` });
    continue;
  }
  const sizeOut = run(engine, ['image', 'inspect', '--format', '{{.Size}}', image]).stdout.trim();
  const sizeMb = Number(sizeOut) / 1e6;
  const port = await freePort();
  run(engine, ['rm', '-f', container]);
  const env = Object.entries(SMOKE_ENV).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const startedAt = Date.now();
  const started = run(engine, [
    'run',
    '-d',
    '--name',
    container,
    '-p',
    `127.0.0.1:${port}:8080`,
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    ...env,
    image,
  ]);
  let ok = false;
  let startSeconds = NaN;
  if (started.status === 0) {
    while (Date.now() - startedAt < 30_000) {
      ok = await fetch(`http://127.0.0.1:${port}${liveness(service)}`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) {
        startSeconds = (Date.now() - startedAt) / 1000;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const user = run(engine, ['exec', container, 'id', '-u']).stdout.trim();
  if (!ok) console.error(run(engine, ['logs', '--tail', '30', container]).stdout || started.stderr);
  run(engine, ['rm', '-f', container]);
  run(engine, ['rmi', image]);
  results.push({
    service,
    ok,
    note: ok
      ? `size ${sizeMb.toFixed(0)} MB, build ${buildSeconds.toFixed(0)} s, live in ${startSeconds.toFixed(1)} s, uid ${user || '?'}`
      : `did not answer ${liveness(service)} within 30 s`,
  });
}

console.log('\nimage smoke test');
for (const r of results) console.log(`  ${r.ok ? '✓' : '✗'} ${r.service.padEnd(20)} ${r.note}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
