import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Header that carries the correlation id between services and back to the client. */
export const CORRELATION_HEADER = 'x-correlation-id';
/** W3C Trace Context header. */
export const TRACEPARENT_HEADER = 'traceparent';
/** Remaining time budget of a request, in milliseconds, relative (no clock agreement needed between hosts). */
export const DEADLINE_HEADER = 'x-deadline-ms';

/** What travels with a request or message through every async hop inside a service. */
export interface RequestContext {
  correlationId: string;
  /** W3C trace id (32 hex) shared by every hop of one request. */
  traceId: string;
  /** Absolute time (ms since epoch, `Date.now()` clock) after which the caller no longer waits. */
  deadlineAt?: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The context of the request or message being handled, if any. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The correlation id of the request or message being handled, if any. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/** Runs `fn` inside `context`: log lines, outbound calls and deadlines made inside it use it. */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** Runs `fn` with `correlationId` (and a fresh trace) attached to every log line and outbound call made inside it. */
export function runWithCorrelationId<T>(correlationId: string, fn: () => T): T {
  return storage.run({ correlationId, traceId: newTraceId() }, fn);
}

// Ids come from clients: accept only short, printable tokens so a header cannot inject into logs.
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function first(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/** The incoming id if it is safe to reuse, otherwise a new UUID. */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = first(header);
  return value !== undefined && SAFE_ID.test(value) ? value : randomUUID();
}

// Built from randomUUID (served from a pre-filled entropy cache; ~10× cheaper than randomBytes per call).
// 122 random bits for a trace id, 60 for a span id: ample for uniqueness, which is all W3C asks of them.
export function newTraceId(): string {
  return randomUUID().replace(/-/g, '');
}

export function newSpanId(): string {
  return randomUUID().replace(/-/g, '').slice(16);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace id of a valid W3C `traceparent` header (all-zero ids are invalid), or a new one. */
export function traceIdFrom(header: string | string[] | undefined): string {
  const match = TRACEPARENT.exec(first(header)?.trim().toLowerCase() ?? '');
  return match && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!) ? match[1]! : newTraceId();
}

/** A `traceparent` for an outbound call: same trace, a new span id, sampled. */
export function traceparentFor(traceId: string): string {
  return `00-${traceId}-${newSpanId()}-01`;
}

/**
 * The absolute deadline of a request whose `x-deadline-ms` header says how long its caller still waits, capped at
 * `maxMs`. Absent or malformed → no deadline. Zero or negative → already expired.
 */
export function deadlineFrom(
  header: string | string[] | undefined,
  now: number,
  maxMs = 5 * 60_000,
): number | undefined {
  const value = first(header);
  if (value === undefined || !/^-?\d{1,10}$/.test(value.trim())) return undefined;
  return now + Math.min(Number(value), maxMs);
}
