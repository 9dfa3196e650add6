import { AppError } from './app-error.js';

/** Seconds a client is asked to wait when a store or broker is out (the probe period of a typical readiness check). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/**
 * A dependency the request needs (the service's database, say) is unreachable: 503 with `Retry-After`, never a 500 —
 * the request was fine and may succeed shortly. The detail names the dependency, never its address.
 */
export class DependencyUnavailableError extends AppError {
  constructor(dependency = 'store or broker', cause?: unknown) {
    super('SERVICE.DEPENDENCY_UNAVAILABLE', 503, 'Service Unavailable', {
      detail: `A ${dependency} this service needs is unavailable; try again shortly`,
      headers: { 'retry-after': String(OUTAGE_RETRY_AFTER_SECONDS) },
      cause,
    });
  }
}

// Socket-level failures (Node's system error codes).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// PostgreSQL SQLSTATEs of a server that is going away or not there yet: class 08 (connection exception) is matched by
// prefix; 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, recovering).
const PG_OUTAGE_STATES = new Set(['57P01', '57P02', '57P03']);

// Messages of node-postgres (pg, pg-pool) for a connection that never came or was lost: they carry no code.
const PG_OUTAGE_MESSAGES = [
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
];

// MongoDB driver errors that mean "no usable server right now" (unreachable, no primary, operation timed out).
const MONGO_OUTAGE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoOperationTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
]);
// Server codes during an election or a shutdown: NotWritablePrimary, NotPrimaryNoSecondaryOk,
// NotPrimaryOrSecondary, InterruptedAtShutdown, InterruptedDueToReplStateChange, PrimarySteppedDown,
// ShutdownInProgress, HostUnreachable, HostNotFound, NetworkTimeout, SocketException.
const MONGO_OUTAGE_CODES = new Set([10107, 13435, 13436, 11600, 11602, 189, 91, 6, 7, 89, 9001]);

/**
 * True when `error` (or one of its causes) says a store or broker is unreachable or unavailable for now, as opposed to
 * a bug or a bad request: socket errors, PostgreSQL connection failures and shutdowns, MongoDB's no-server,
 * election and timeout errors. Recognised by shape, so this library needs none of the drivers. The problem filter
 * answers such an error with a 503 and `Retry-After`; start-up steps (migrations, indexes) retry it in the
 * background instead of failing the process.
 */
export function isDependencyOutage(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    if (current instanceof DependencyUnavailableError) return true;
    const e = current as { code?: unknown; name?: unknown; message?: unknown; errorLabels?: unknown };
    if (typeof e.code === 'string') {
      if (NETWORK_CODES.has(e.code) || PG_OUTAGE_STATES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code)) return true;
    }
    if (typeof e.name === 'string' && MONGO_OUTAGE_NAMES.has(e.name)) return true;
    if (typeof e.name === 'string' && e.name.startsWith('Mongo') && typeof e.code === 'number') {
      if (MONGO_OUTAGE_CODES.has(e.code)) return true;
    }
    if (typeof e.message === 'string' && PG_OUTAGE_MESSAGES.some((re) => re.test(e.message as string))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
