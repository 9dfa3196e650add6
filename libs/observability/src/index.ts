export {
  CORRELATION_HEADER,
  correlationIdFrom,
  currentContext,
  currentCorrelationId,
  DEADLINE_HEADER,
  deadlineFrom,
  newSpanId,
  newTraceId,
  runWithContext,
  runWithCorrelationId,
  traceIdFrom,
  traceparentFor,
  TRACEPARENT_HEADER,
} from './context.js';
export type { RequestContext } from './context.js';
export { createLogger, LOGGER, NestPinoLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { createMetrics, METRICS_REGISTRY, MetricsController, sharedMetric } from './metrics.js';
export type { ServiceMetrics } from './metrics.js';
export { correlationServerOptions, instrumentHttp } from './http-instrumentation.js';
export type { InstrumentableServer } from './http-instrumentation.js';
export {
  activeSpanIds,
  activeTraceId,
  activeTraceparent,
  contextOf,
  inSpan,
  linkTo,
  shutdownTracing,
  SpanKind,
  SpanStatusCode,
} from './tracing.js';
export type { Attributes, Span, SpanOptions } from './tracing.js';
export { traceExportFrom } from './trace-export.js';
export type { TraceExport } from './trace-export.js';
