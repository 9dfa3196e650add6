// Spans through the OpenTelemetry API only. Without an SDK started (docs/observability.md, "Tracing") every call here
// is the API's no-op: tests and the default stack pay nothing, and the hand-rolled trace id of context.ts still
// travels. With one (`node --import @refarch/observability/register`), these are the spans of our own making: the
// messaging producer and consumer spans and the saga's steps; HTTP, undici, pg, ioredis and mongodb come from their
// instrumentations.
import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';

export { SpanKind, SpanStatusCode } from '@opentelemetry/api';
export type { Attributes, Span } from '@opentelemetry/api';

const tracer = () => trace.getTracer('@refarch');

/** The active span's context, when a real (recording or sampled-out but valid) span is active. */
function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The trace id of the active span, if tracing is on and a span is active. */
export function activeTraceId(): string | undefined {
  return activeSpanContext()?.traceId;
}

/** The active span's ids, for log lines. */
export function activeSpanIds(): { traceId: string; spanId: string } | undefined {
  const spanContext = activeSpanContext();
  return spanContext ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : undefined;
}

/** The W3C `traceparent` of the active span, if any. */
export function activeTraceparent(): string | undefined {
  const spanContext = activeSpanContext();
  if (!spanContext) return undefined;
  return `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & 1).toString(16).padStart(2, '0')}`;
}

/** The context a `traceparent` names (ROOT when it is absent, malformed, or tracing is off). */
export function contextOf(traceparent: string | null | undefined): Context {
  return typeof traceparent === 'string' ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** A link to the span a `traceparent` names, if it names a valid one. */
export function linkTo(traceparent: string | null | undefined, attributes?: Attributes): Link[] {
  const spanContext = trace.getSpanContext(contextOf(traceparent));
  return spanContext && trace.isSpanContextValid(spanContext) ? [{ context: spanContext, attributes }] : [];
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** The parent; the active context when omitted. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span that ends when `fn` settles; a throw marks it as an error (and is rethrown).
 * `fn` gets the span to add attributes (an outcome) as it learns them.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
  const { parent, ...rest } = options;
  return tracer().startActiveSpan(name, rest, parent ?? otelContext.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

const SHUTDOWN = Symbol.for('refarch.tracing.shutdown');

/** Called by `register.ts` once the SDK runs: how to flush and stop it. */
export function setTracingShutdown(shutdown: () => Promise<void>): void {
  (globalThis as Record<symbol, unknown>)[SHUTDOWN] = shutdown;
}

/** Flushes and stops the SDK if one runs (a graceful stop's last step, so batched spans are not lost). */
export async function shutdownTracing(): Promise<void> {
  const shutdown = (globalThis as Record<symbol, unknown>)[SHUTDOWN] as (() => Promise<void>) | undefined;
  await shutdown?.().catch(() => undefined);
}
