import { currentContext, traceparentFor } from '@refarch/observability';
import { HEADERS } from '../topology.js';

/**
 * The headers an outbox record keeps: the caller's, plus the `traceparent` of the request or message being handled
 * when the record is written. The relay publishes later, in no request's context: without this the message would
 * start a new trace, and a trace would end at every outbox.
 */
export function outboxHeaders(headers: Record<string, unknown> = {}): Record<string, unknown> {
  const traceId = currentContext()?.traceId;
  return traceId && !(HEADERS.traceparent in headers)
    ? { [HEADERS.traceparent]: traceparentFor(traceId), ...headers }
    : headers;
}
