// `npm run bench -w services/api-gateway`: the built gateway (dist/) against a raw node:http server on the same
// machine, with autocannon, in one run: GET /health/live, and an authenticated GET /api/products served from the
// Redis cache (JWT verified, rate limit counted in Redis, cache read). The servers run in a child process
// (servers.mjs), the load generator here. Needs Redis and RabbitMQ on loopback (BENCH_REDIS_URL /
// BENCH_RABBITMQ_URL to override). Options: BENCH_SECONDS (default 3), BENCH_ROUNDS (3), BENCH_CONNECTIONS (50).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

const servers = spawn(process.execPath, [fileURLToPath(new URL('./servers.mjs', import.meta.url))], {
  stdio: ['pipe', 'pipe', 'inherit'],
  env: process.env,
});
const [line] = await Promise.race([
  once(servers.stdout, 'data'),
  once(servers, 'exit').then(([code]) => {
    throw new Error(`the servers exited (${code})`);
  }),
]);
const { rawUrl, gatewayUrl, token } = JSON.parse(line.toString());
const auth = { authorization: `Bearer ${token}` };

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function once_(url, headers) {
  const result = await autocannon({ url, connections, duration: seconds, headers });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** Baseline and candidate alternate, `rounds` times each (machine noise hits both alike); medians are reported. */
async function compare(label, rawTarget, gatewayTarget, headers = {}) {
  const runs = { raw: [], gateway: [] };
  await once_(rawTarget, {}); // warm-up: JIT, keep-alive, the cache entry
  await once_(gatewayTarget, headers);
  for (let i = 0; i < rounds; i++) {
    runs.raw.push(await once_(rawTarget, {}));
    runs.gateway.push(await once_(gatewayTarget, headers));
  }
  const row = (name, list) => {
    const rps = median(list.map((r) => r.rps));
    console.log(
      `  ${label.padEnd(44)} ${name.padEnd(8)} ${String(Math.round(rps)).padStart(7)} req/s   p50 ${median(list.map((r) => r.p50))} ms   p99 ${median(list.map((r) => r.p99))} ms`,
    );
    return rps;
  };
  const raw = row('raw', runs.raw);
  const gateway = row('gateway', runs.gateway);
  return gateway / raw;
}

console.log(
  `autocannon: ${connections} connections, ${rounds} alternating rounds of ${seconds} s, medians; node ${process.version}`,
);
const health = await compare('GET /health/live', `${rawUrl}/health/live`, `${gatewayUrl}/health/live`);
const products = await compare(
  'GET /api/products (JWT + limit + cache hit)',
  `${rawUrl}/api/products`,
  `${gatewayUrl}/api/products`,
  auth,
);
console.log(`\nratio /health/live  gateway/raw: ${health.toFixed(2)}×  (goal ≥ 0.6×)`);
console.log(`ratio /api/products gateway/raw: ${products.toFixed(2)}×`);

servers.stdin.end();
await once(servers, 'exit');
