#!/usr/bin/env node
// `npm run images:smoke [-- <service> ...]`: builds the image of every service folder of the catalog with the
// container engine it finds (docker, else podman; tools/images.mjs), starts each, checks its liveness path, reports
// image size and start time, and removes what it created. Not part of `npm test` (a full build takes minutes).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import net from 'node:net';
import { buildArgs, engineArgs, findEngine, imagesOf, root, run } from './images.mjs';

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
  MIGRATE_ON_START: 'false',
  JWT_PRIVATE_KEY: jwtKey,
  // An image runs with NODE_ENV=production, where the service credential's secret is required.
  SERVICE_TOKEN_SECRET: randomBytes(36).toString('base64url'),
};

const requested = process.argv.slice(2);
// One image per service folder, from the catalog (the workers' roles share one); its recipe and liveness path too.
const images = imagesOf(requested);
const roleOf = Object.fromEntries(images.map((i) => [i.dir, i.entries.find((e) => e.role)?.role]));

const engine = findEngine();
console.log(`engine: ${engine}${engineArgs.length ? ` ${engineArgs.join(' ')}` : ''}`);
const results = [];
for (const { dir: service, recipe, livePath } of images) {
  const image = `refarch/${service}:smoke`;
  const container = `refarch-smoke-${service}`;
  console.log(`\n▶ ${service}: building ${image} …`);
  const buildStart = Date.now();
  const build = run(
    engine,
    ['build', '-f', recipe, '--build-arg', `SERVICE=${service}`, '-t', image, ...buildArgs, '.'],
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
  const env = Object.entries({ ...SMOKE_ENV, ...(roleOf[service] ? { WORKER_ROLE: roleOf[service] } : {}) }).flatMap(
    ([k, v]) => ['-e', `${k}=${v}`],
  );
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
      ok = await fetch(`http://127.0.0.1:${port}${livePath}`).then(
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
      : `did not answer ${livePath} within 30 s`,
  });
}

console.log('\nimage smoke test');
for (const r of results) console.log(`  ${r.ok ? '✓' : '✗'} ${r.service.padEnd(20)} ${r.note}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
