#!/usr/bin/env node
// `npm run bench -w libs/observability`: what a span of our own (inSpan: the messaging producer/consumer spans, the
// saga steps) costs around an async no-op, against the bare call — with tracing off (the API's no-op: the default
// stack and the tests), with the SDK on and batched (production's OTLP path, the exporter discarding), and with the
// file exporter of `--traces` (a synchronous append per span). 100k calls per side, in interleaved rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { inSpan } from '../dist/index.js';
import { FileSpanExporter } from '../dist/tracing-sdk.js';

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

async function rounds(label, bare, wrapped, calls = 100_000, roundsCount = 5) {
  const a = [];
  const b = [];
  await measure(bare, 5_000);
  await measure(wrapped, 5_000);
  for (let r = 0; r < roundsCount; r++) {
    a.push(...(await measure(bare, calls / roundsCount)));
    b.push(...(await measure(wrapped, calls / roundsCount)));
  }
  const sa = stats(a);
  const sb = stats(b);
  console.log(`\n${label} (${calls.toLocaleString()} calls each)`);
  console.log(`  bare call  median ${us(sa.median).padStart(10)}   p99 ${us(sa.p99).padStart(10)}`);
  console.log(`  in a span  median ${us(sb.median).padStart(10)}   p99 ${us(sb.p99).padStart(10)}`);
  console.log(
    `  overhead   median ${us(sb.median - sa.median).padStart(10)}   ratio ${(sb.median / sa.median).toFixed(2)}×`,
  );
}

const noop = async () => 1;
const attributes = {
  'messaging.system': 'rabbitmq',
  'messaging.destination.name': 'bench',
  'messaging.message.id': 'x',
};
const spanned = () => inSpan('publish bench', { attributes }, noop);

await rounds('tracing off (no SDK: the API no-op)', noop, spanned);

const discard = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} };
const batched = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard, { maxQueueSize: 65_536 })] });
batched.register();
await rounds('tracing on, batched (OTLP path, exporter discarding)', noop, spanned);
await batched.shutdown();

const dir = mkdtempSync(path.join(tmpdir(), 'refarch-bench-'));
try {
  const file = new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new FileSpanExporter(path.join(dir, 'spans.jsonl')))],
  });
  // The API keeps the first global provider it is given: disable() clears it so this one registers.
  const { trace } = await import('@opentelemetry/api');
  trace.disable();
  file.register();
  await rounds('tracing on, --traces file exporter (one synchronous append per span)', noop, spanned, 20_000);
  await file.shutdown();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
