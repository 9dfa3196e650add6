#!/usr/bin/env node
// `npm run bench -w libs/resilience`: overhead of the resilience wrapper and of the HTTP client.
// 1. breaker + retry + per-call timeout around an async no-op, against the bare async call (200k calls each);
// 2. HttpClient GET against raw undici `request` on a loopback server (20k sequential calls each).
// Prints median and p99 per call; the wrapper's overhead is the difference of medians. Runs are interleaved in
// rounds so both sides see the same machine state.
import http from 'node:http';
import { Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { rounds } from '@refarch/testing/bench';
import { BreakerRegistry, HttpClients, retry, RetryBudget } from '../dist/index.js';

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
