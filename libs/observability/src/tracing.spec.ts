import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { runWithContext } from './context.js';
import { createLogger } from './logger.js';
import { traceExportFrom } from './trace-export.js';
import { FileSpanExporter } from './tracing-sdk.js';
import { activeTraceparent, inSpan, linkTo } from './tracing.js';

/** A logger whose JSON lines are collected. */
function collectingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'test', destination }), lines };
}

describe('where spans go, by the environment', () => {
  it('is off unless configured, and OTEL_SDK_DISABLED wins', () => {
    expect(traceExportFrom({})).toBeUndefined();
    expect(traceExportFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://tempo:4318' })).toEqual({ kind: 'otlp' });
    expect(traceExportFrom({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toEqual({
      kind: 'otlp',
    });
    expect(traceExportFrom({ REFARCH_TRACES_FILE: '/tmp/t.jsonl' })).toEqual({ kind: 'file', path: '/tmp/t.jsonl' });
    expect(traceExportFrom({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({ kind: 'console' });
    expect(traceExportFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(traceExportFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });
});

describe('without an SDK (tracing off)', () => {
  it('runs the work in a no-op span, and log lines carry the context trace id but no span id', async () => {
    const { logger, lines } = collectingLogger();
    const result = await runWithContext({ correlationId: 'c-1', traceId: 'a'.repeat(32) }, () =>
      inSpan('work', {}, () => {
        logger.info('inside');
        return activeTraceparent() ?? 'no span';
      }),
    );
    expect(result).toBe('no span');
    expect(lines[0]).toMatchObject({ correlationId: 'c-1', trace_id: 'a'.repeat(32), traceId: 'a'.repeat(32) });
    expect(lines[0]).not.toHaveProperty('span_id');
  });
});

describe('with an SDK (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => provider.register());
  afterAll(() => provider.shutdown());

  it("log lines carry the active span's trace_id and span_id", async () => {
    const { logger, lines } = collectingLogger();
    const ids = await inSpan('work', {}, (span) => {
      logger.info('inside');
      return span.spanContext();
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId });
    expect(lines[1]).not.toHaveProperty('span_id');
  });

  it('a throw marks the span as an error and is rethrown; links and parents come from traceparents', async () => {
    const parent = await inSpan('parent', {}, () => activeTraceparent()!);
    await expect(
      inSpan('child', { links: linkTo(parent, { why: 'test' }) }, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const child = exporter.getFinishedSpans().find((s) => s.name === 'child')!;
    expect(child.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(child.events.map((e) => e.name)).toEqual(['exception']);
    expect(child.links.map((l) => `00-${l.context.traceId}-${l.context.spanId}-01`)).toEqual([parent]);
    expect(linkTo('not a traceparent')).toEqual([]);
  });

  it('the file exporter appends one OTLP JSON line per export, which `npm run trace` reads', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spans-'));
    try {
      const file = path.join(dir, 'svc.jsonl');
      const fileExporter = new FileSpanExporter(file);
      await inSpan('a', {}, () => undefined);
      await inSpan('b', {}, () => undefined);
      const [a, b] = exporter.getFinishedSpans().filter((s) => s.name === 'a' || s.name === 'b');
      for (const span of [a!, b!]) await new Promise((done) => fileExporter.export([span], done));
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(2);
      const first = JSON.parse(lines[0]!) as {
        resourceSpans: { scopeSpans: { spans: { name: string; spanId: string }[] }[] }[];
      };
      expect(first.resourceSpans[0]!.scopeSpans[0]!.spans[0]).toMatchObject({
        name: 'a',
        spanId: a!.spanContext().spanId,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
