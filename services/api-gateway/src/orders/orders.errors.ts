import { ERROR_CODES } from '@refarch/contracts';
import { AppError, NotFoundError } from '@refarch/errors';

/** A user, or this replica, holds as many order streams as allowed. */
export class TooManyStreamsError extends AppError {
  constructor(scope: 'user' | 'replica', limit: number, retryAfterSeconds: number) {
    super('SSE.TOO_MANY_STREAMS', 429, 'Too Many Requests', {
      detail:
        scope === 'user'
          ? `You already have ${limit} order streams open; close one, or try again later`
          : 'This gateway holds as many order streams as it can; try again shortly',
      headers: { 'retry-after': String(retryAfterSeconds) },
      extensions: { scope, limit, retryAfterSeconds },
    });
  }
}

export class OrderNotFoundError extends NotFoundError {
  constructor(orderId: string) {
    super(ERROR_CODES.ORDER_NOT_FOUND, `Order ${orderId} not found`);
  }
}
