import type { ZodError } from 'zod';
import { AppError, ValidationError, type FieldError } from './app-error.js';
import { DependencyUnavailableError, isDependencyOutage } from './outage.js';

/** RFC 9457 problem details as every RefArch service returns them. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  status: number;
  body: ProblemDocument;
  headers: Record<string, string>;
  /** True when the error was not raised on purpose: log it, never show its text. */
  unexpected: boolean;
}

const STATUS_CODES: Record<number, [code: string, title: string]> = {
  400: ['REQUEST.INVALID', 'Bad Request'],
  401: ['AUTH.UNAUTHORIZED', 'Unauthorized'],
  403: ['AUTH.FORBIDDEN', 'Forbidden'],
  404: ['HTTP.NOT_FOUND', 'Not Found'],
  405: ['HTTP.METHOD_NOT_ALLOWED', 'Method Not Allowed'],
  406: ['HTTP.NOT_ACCEPTABLE', 'Not Acceptable'],
  408: ['HTTP.REQUEST_TIMEOUT', 'Request Timeout'],
  409: ['HTTP.CONFLICT', 'Conflict'],
  411: ['REQUEST.LENGTH_REQUIRED', 'Length Required'],
  413: ['REQUEST.TOO_LARGE', 'Content Too Large'],
  414: ['REQUEST.URI_TOO_LONG', 'URI Too Long'],
  415: ['REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type'],
  422: ['REQUEST.UNPROCESSABLE', 'Unprocessable Content'],
  429: ['HTTP.TOO_MANY_REQUESTS', 'Too Many Requests'],
  500: ['INTERNAL', 'Internal Server Error'],
  502: ['UPSTREAM.BAD_GATEWAY', 'Bad Gateway'],
  503: ['SERVICE.UNAVAILABLE', 'Service Unavailable'],
  504: ['UPSTREAM.TIMEOUT', 'Gateway Timeout'],
};

/** The `type` URI of a problem: a stable URN derived from its code (documented in docs/errors.md). */
export function problemType(code: string): string {
  return `urn:refarch:problem:${code.toLowerCase()}`;
}

function build(status: number, code: string, title: string, detail: string, extra: Partial<ProblemDocument> = {}) {
  return { type: problemType(code), title, status, detail, code, ...extra };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // Nest HttpException exposes getStatus(); fastify and http-errors expose statusCode/status.
  const e = error as { getStatus?: () => unknown; statusCode?: unknown; status?: unknown };
  const candidate = typeof e.getStatus === 'function' ? e.getStatus() : (e.statusCode ?? e.status);
  return typeof candidate === 'number' && candidate >= 400 && candidate <= 599 ? candidate : undefined;
}

function messageOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { getResponse?: () => unknown; message?: unknown };
  const response = typeof e.getResponse === 'function' ? e.getResponse() : undefined;
  if (response && typeof response === 'object' && 'message' in response) {
    const m = response.message;
    if (typeof m === 'string') return m;
    if (Array.isArray(m)) return m.join('; ');
  }
  return typeof e.message === 'string' ? e.message : undefined;
}

/**
 * Translates any thrown value into problem+json. AppErrors keep their code and text; framework 4xx errors
 * (unknown route, malformed JSON, body too large) keep their status with a generic code; anything else is a
 * 500 whose text is never shown — except a dependency outage ({@link isDependencyOutage}), a 503 with `Retry-After`.
 * Both are `unexpected`, so the filter logs them.
 */
export function toProblem(error: unknown, instance?: string): Problem {
  // Both may echo client input (a 5000-character URL): keep them short.
  const where = instance ? { instance: instance.slice(0, 256) } : {};
  // A store or broker outage is not a bug: 503 with Retry-After (the driver's text, with its addresses, stays hidden).
  if (!(error instanceof AppError) && isDependencyOutage(error)) {
    return { ...toProblem(new DependencyUnavailableError(), instance), unexpected: true };
  }
  if (error instanceof AppError) {
    const extra: Partial<ProblemDocument> = { ...error.extensions, ...where };
    if (error.errors) extra.errors = error.errors;
    return {
      status: error.status,
      body: build(error.status, error.code, error.title, error.detail, extra),
      headers: { ...error.headers },
      unexpected: false,
    };
  }
  const status = statusOf(error);
  if (status !== undefined && status < 500) {
    const [code, title] = STATUS_CODES[status] ?? [`HTTP.${status}`, 'Client Error'];
    const detail = (messageOf(error) ?? title).slice(0, 300);
    return { status, body: build(status, code, title, detail, where), headers: {}, unexpected: false };
  }
  if (status === 503 || status === 504 || status === 502) {
    const [code, title] = STATUS_CODES[status]!;
    return { status, body: build(status, code, title, title, where), headers: {}, unexpected: false };
  }
  return {
    status: 500,
    body: build(500, 'INTERNAL', 'Internal Server Error', 'An unexpected error occurred', where),
    headers: {},
    unexpected: true,
  };
}

/** Turns a zod error into a 400 naming every offending field. */
export function validationErrorFromZod(error: ZodError, prefix = ''): ValidationError {
  return new ValidationError(
    error.issues.map((issue) => {
      const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => [field, k].filter(Boolean).join('.'));
        return { field: keys.join(', '), message: `unknown field${keys.length > 1 ? 's' : ''}` };
      }
      return { field, message: issue.message };
    }),
  );
}
