/** One field-level problem, as listed in problem+json `errors`. */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `items.0.quantity`; empty for the body itself. */
  field: string;
  message: string;
}

export interface AppErrorOptions {
  detail?: string;
  errors?: FieldError[];
  /** Extra safe members added to the problem document (e.g. `missingSkus`). */
  extensions?: Record<string, unknown>;
  /** Response headers to add, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * Base of every error a service raises on purpose. `code` is stable and documented (`ORDERS.NOT_FOUND`);
 * `message`/`detail` must be safe to show to a client. Subclass it per domain error:
 * `class OrderNotFoundError extends NotFoundError { constructor(id: string) { super('ORDERS.NOT_FOUND', `...`) } }`.
 */
export class AppError extends Error {
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    options: AppErrorOptions = {},
  ) {
    super(options.detail ?? title, { cause: options.cause });
    this.name = new.target.name;
    this.detail = options.detail ?? title;
    this.errors = options.errors;
    this.extensions = options.extensions;
    this.headers = options.headers;
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], detail = describe(errors), code = 'REQUEST.VALIDATION_FAILED') {
    super(code, 400, 'Request validation failed', { detail, errors });
  }
}

export class UnauthorizedError extends AppError {
  constructor(code = 'AUTH.UNAUTHORIZED', detail = 'Authentication is required') {
    super(code, 401, 'Unauthorized', { detail, headers: { 'www-authenticate': 'Bearer' } });
  }
}

export class ForbiddenError extends AppError {
  constructor(code = 'AUTH.FORBIDDEN', detail = 'You are not allowed to do this') {
    super(code, 403, 'Forbidden', { detail });
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, detail: string) {
    super(code, 404, 'Not Found', { detail });
  }
}

export class ConflictError extends AppError {
  constructor(code: string, detail: string, extensions?: Record<string, unknown>) {
    super(code, 409, 'Conflict', { detail, ...(extensions ? { extensions } : {}) });
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, detail: string) {
    super(code, 422, 'Unprocessable Content', { detail });
  }
}

function describe(errors: FieldError[]): string {
  const shown = errors.slice(0, 3).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
  const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
  return `${shown.join('; ')}${more}`;
}
