import { AppError } from '@refarch/errors';

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, detail: string) {
    super('RATE_LIMIT.EXCEEDED', 429, 'Too Many Requests', {
      detail,
      headers: { 'retry-after': String(retryAfterSeconds) },
      extensions: { retryAfterSeconds },
    });
  }
}
