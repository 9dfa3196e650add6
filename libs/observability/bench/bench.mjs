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
import { rounds } from '@refarch/testing/bench';
import { inSpan } from '../dist/index.js';
import { FileSpanExporter } from '../dist/tracing-sdk.js';

/** @refarch/testing/bench's comparison, its two sides named for this bench. */
const compare = (label, bare, wrapped, calls = 100_000) =>
  rounds(label, bare, wrapped, calls, { names: ['bare call', 'in a span'] });

const noop = async () => 1;
const attributes = {
  'messaging.system': 'rabbitmq',
  'messaging.destination.name': 'bench',
  'messaging.message.id': 'x',
};
const spanned = () => inSpan('publish bench', { attributes }, noop);

await compare('tracing off (no SDK: the API no-op)', noop, spanned);

const discard = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} };
const batched = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard, { maxQueueSize: 65_536 })] });
batched.register();
await compare('tracing on, batched (OTLP path, exporter discarding)', noop, spanned);
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
  await compare('tracing on, --traces file exporter (one synchronous append per span)', noop, spanned, 20_000);
  await file.shutdown();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
