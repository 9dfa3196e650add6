import { AppError } from '@refarch/errors';

/** A breaker refused the call without making it (open, or half-open with its one probe in flight). */
export class BreakerOpenError extends AppError {
  constructor(readonly breaker: string) {
    super('UPSTREAM.CIRCUIT_OPEN', 503, 'Service Unavailable', {
      detail: `A dependency is unavailable (circuit ${breaker} is open); try again shortly`,
    });
  }
}

/** One attempt outlived its timeout and was aborted (its socket closed). */
export class AttemptTimeoutError extends AppError {
  constructor(readonly timeoutMs: number) {
    super('UPSTREAM.TIMEOUT', 504, 'Gateway Timeout', { detail: `A dependency did not answer within ${timeoutMs} ms` });
  }
}

/** The request's overall deadline passed: nothing further is attempted, the caller gets a 504. */
export class DeadlineExceededError extends AppError {
  constructor() {
    super('REQUEST.DEADLINE_EXCEEDED', 504, 'Gateway Timeout', {
      detail: 'The request could not be completed before its deadline',
    });
  }
}

/**
 * A dependency answered with a non-2xx status. Unhandled, it becomes a 502 for our caller (an upstream's error is
 * not the client's); handlers that expect a status (404, 409, …) check `upstreamStatus`.
 */
export class HttpStatusError extends AppError {
  constructor(
    readonly dependency: string,
    readonly upstreamStatus: number,
    readonly body: unknown,
    /** From `Retry-After` (seconds or HTTP date), when present. */
    readonly retryAfterMs?: number,
  ) {
    super('UPSTREAM.ERROR', 502, 'Bad Gateway', { detail: `${dependency} answered ${upstreamStatus}` });
  }
}

/** The dependency could not be reached at all (refused, reset, DNS) after the attempts allowed. */
export class UpstreamUnavailableError extends AppError {
  constructor(
    readonly dependency: string,
    cause: unknown,
  ) {
    super('UPSTREAM.UNAVAILABLE', 502, 'Bad Gateway', { detail: `${dependency} could not be reached`, cause });
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Connection-level failures (the request may not have reached the server, or its answer was lost). */
export function isNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
