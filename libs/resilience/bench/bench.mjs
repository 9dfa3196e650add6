#!/usr/bin/env node
// `npm run bench -w libs/resilience`: overhead of the resilience wrapper and of the HTTP client.
// 1. breaker + retry + per-call timeout around an async no-op, against the bare async call (200k calls each);
// 2. HttpClient GET against raw undici `request` on a loopback server (20k sequential calls each).
// Prints median and p99 per call; the wrapper's overhead is the difference of medians. Runs are interleaved in
// rounds so both sides see the same machine state.
import http from 'node:http';
import { Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { BreakerRegistry, HttpClients, retry, RetryBudget } from '../dist/index.js';

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const stats = (samples) => {
  const sorted = Float64Array.from(samples).sort();
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
};
const us = (ns) => `${(ns / 1000).toFixed(2)} µs`;

async function measure(fn, calls) {
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - t);
  }
  return samples;
}

async function rounds(label, bare, wrapped, calls, roundsCount = 5) {
  const a = [];
  const b = [];
  await measure(bare, Math.min(calls, 10_000)); // warm-up
  await measure(wrapped, Math.min(calls, 10_000));
  for (let r = 0; r < roundsCount; r++) {
    a.push(...(await measure(bare, calls / roundsCount)));
    b.push(...(await measure(wrapped, calls / roundsCount)));
  }
  const sa = stats(a);
  const sb = stats(b);
  console.log(`\n${label} (${calls.toLocaleString()} calls each)`);
  console.log(`  baseline   median ${us(sa.median).padStart(10)}   p99 ${us(sa.p99).padStart(10)}`);
  console.log(`  wrapped    median ${us(sb.median).padStart(10)}   p99 ${us(sb.p99).padStart(10)}`);
  console.log(
    `  overhead   median ${us(sb.median - sa.median).padStart(10)}   ratio ${(sb.median / sa.median).toFixed(2)}×`,
  );
}

// 1. wrapper overhead
const registry = new Registry();
const breakers = new BreakerRegistry('bench', registry);
const breaker = breakers.get('noop');
const budget = new RetryBudget();
const noop = async () => 1;
await rounds(
  'breaker + retry + timeout around an async no-op',
  () => noop(),
  () => retry(() => breaker.execute(noop), { idempotent: true, budget }),
  200_000,
);

// 2. HTTP client overhead
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const agent = new Agent({ keepAliveTimeout: 10_000 });
const clients = new HttpClients(breakers, registry);
const client = clients.create('loopback', base);
await rounds(
  'HttpClient GET vs raw undici request, loopback',
  async () => {
    const res = await request(`${base}/x`, { dispatcher: agent });
    await res.body.json();
  },
  () => client.get('/x'),
  20_000,
);
breakers.close();
await clients.close();
await agent.close();
server.close();
