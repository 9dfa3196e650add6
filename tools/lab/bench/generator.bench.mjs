#!/usr/bin/env node
// `npm run bench -w tools/lab`: how fast the load generator itself can go on this machine. Against a raw node:http
// server (a child process, answering 200 "ok"), it runs the open model at rising arrival rates, 3 s each, and
// reports the highest rate it holds within 1 % of target with no dropped iteration; then autocannon (closed model,
// as fast as it can with the same connection count) against the same server, in the same run, for comparison.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import autocannon from 'autocannon';
import { runExecutor } from '../dist/executors.js';
import { Http } from '../dist/http.js';
import { Recorder } from '../dist/recorder.js';
import { systemClock } from '../dist/clock.js';

const SECONDS = 3;
const CONNECTIONS = 64;

const server = fork(new URL('./raw-server.mjs', import.meta.url), { stdio: 'inherit' });
const [port] = await once(server, 'message');
const url = `http://127.0.0.1:${port}`;

async function openModel(rate) {
  const recorder = new Recorder(systemClock.now());
  const http = new Http(url, systemClock, recorder);
  let ok = 0;
  const result = await runExecutor(
    { executor: 'constant-arrival-rate', rate, duration: `${SECONDS}s`, maxInFlight: CONNECTIONS * 4 },
    async ({ intendedStart }) => {
      const res = await http.send('GET', '/', { metric: 'get', intendedStart });
      if (res.status === 200) ok += 1;
    },
  );
  await http.close();
  const achieved = ok / (result.durationMs / 1_000);
  const corrected = recorder.summary('get', 'corrected');
  return {
    rate,
    achieved,
    dropped: result.dropped,
    p99: corrected?.p99 ?? NaN,
    held: achieved >= rate * 0.99 && result.dropped === 0,
  };
}

console.log(`load generator vs a raw node:http server on 127.0.0.1 (${SECONDS} s per step, Node ${process.version})`);
console.log('target/s   achieved/s   dropped   p99 (intended start)');
let best;
for (const rate of [500, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 12_000, 16_000]) {
  const step = await openModel(rate);
  console.log(
    `${String(rate).padStart(8)}   ${step.achieved.toFixed(0).padStart(10)}   ${String(step.dropped).padStart(7)}   ${step.p99.toFixed(2)} ms${step.held ? '' : '   ✗ not held'}`,
  );
  if (!step.held) break;
  best = step;
}

const cannon = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
const cannonRate = cannon.requests.average;
console.log(
  `autocannon (${CONNECTIONS} connections, closed model, as fast as it can): ${cannonRate.toFixed(0)} req/s, p99 ${cannon.latency.p99} ms`,
);
const held = best?.rate ?? 0;
console.log(
  `lab: holds ${held} req/s open-model within 1 % (p99 ${best ? best.p99.toFixed(2) : '—'} ms); autocannon's maximum ${cannonRate.toFixed(0)} req/s; ratio ${(held / cannonRate).toFixed(2)}`,
);
server.kill();
