// The OpenTelemetry SDK of a service: started by `register.ts` before the service's code loads, only when tracing is
// configured. Which exporter: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT → OTLP/HTTP; REFARCH_TRACES_FILE → OTLP JSON lines
// appended to that file (the local stack's `--traces`, read by `npm run trace`); OTEL_TRACES_EXPORTER=console → stdout.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TraceExport } from './trace-export.js';

export { traceExportFrom, type TraceExport } from './trace-export.js';

/**
 * Appends every batch as one line of OTLP JSON (`ExportTraceServiceRequest`, what an OTLP/HTTP JSON endpoint
 * receives). Synchronous on purpose: with a SimpleSpanProcessor a span is on disk when it ends, so a trace that
 * crossed a kill -9 keeps every span that ended before it. For local use (`--traces`); production exports OTLP.
 */
export class FileSpanExporter implements SpanExporter {
  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      const body = JsonTraceSerializer.serializeRequest(spans);
      if (body) appendFileSync(this.file, `${Buffer.from(body).toString('utf8')}\n`);
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  async shutdown(): Promise<void> {}
}

/** Probes and scrapes are not traced: they would be most of the spans and none of the story. */
const UNTRACED_PATHS = /^\/(health\/|metrics(\?|$))/;

/** The instrumentations every service gets (amqplib's is not used: libs/messaging makes those spans; see its README). */
export function instrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? ''),
      // Outbound HTTP goes through undici; a bare http request with no parent (a poll, an SDK's background call)
      // would be a trace of one span.
      requireParentforOutgoingSpans: true,
    }),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    // Pollers (the outbox relay, the saga driver's claim) query constantly outside any request: only spans inside a
    // request, message or saga step are kept.
    new PgInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    new MongoDBInstrumentation({ requireParentSpan: true }),
  ];
}

export interface TracingHandle {
  shutdown(): Promise<void>;
}

/** Starts the SDK (W3C trace context propagation, the sampler of OTEL_TRACES_SAMPLER, the instrumentations). */
export function startTracing(options: { serviceName: string; export: TraceExport; processor?: SpanProcessor }) {
  const processor =
    options.processor ??
    (options.export.kind === 'file'
      ? new SimpleSpanProcessor(new FileSpanExporter(options.export.path))
      : options.export.kind === 'console'
        ? new SimpleSpanProcessor(new ConsoleSpanExporter())
        : new BatchSpanProcessor(new OTLPTraceExporter()));
  const sdk = new NodeSDK({
    // process.pid: a span's process, so a waterfall shows which spans came from a replica restarted mid-trace.
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, 'process.pid': process.pid }),
    autoDetectResources: false,
    spanProcessors: [processor],
    instrumentations: instrumentations(),
    // Metrics are prom-client's and logs are pino's: the SDK must not start OTLP exporters of its own for them.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() } satisfies TracingHandle;
}
