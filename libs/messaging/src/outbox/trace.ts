import { activeTraceparent, currentContext, traceparentFor } from '@refarch/observability';
import { HEADERS } from '../topology.js';

/**
 * The headers an outbox record keeps: the caller's, plus the `traceparent` of the request or message being handled
 * when the record is written (with tracing on, the active span's). The relay publishes later, in no request's context:
 * it publishes as a child of this context and consumers link to it, so a trace does not end at every outbox and the
 * relay's poll loop is never the parent.
 */
export function outboxHeaders(headers: Record<string, unknown> = {}): Record<string, unknown> {
  if (HEADERS.traceparent in headers) return headers;
  const traceId = currentContext()?.traceId;
  const traceparent = activeTraceparent() ?? (traceId ? traceparentFor(traceId) : undefined);
  return traceparent ? { [HEADERS.traceparent]: traceparent, ...headers } : headers;
}
