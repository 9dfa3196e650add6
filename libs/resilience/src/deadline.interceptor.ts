import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { currentContext } from '@refarch/observability';
import { throwError, timeout, type Observable } from 'rxjs';
import { DeadlineExceededError } from './errors.js';

/**
 * Server side of deadlines: a request whose caller sent `x-deadline-ms` is answered 504 when that budget runs out,
 * not later (the caller has stopped waiting). Outbound calls made while handling it use the same deadline.
 */
@Injectable()
export class DeadlineInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const deadlineAt = currentContext()?.deadlineAt;
    if (deadlineAt === undefined) return next.handle();
    const remaining = deadlineAt - Date.now();
    if (remaining <= 0) return throwError(() => new DeadlineExceededError());
    return next.handle().pipe(timeout({ first: remaining, with: () => throwError(() => new DeadlineExceededError()) }));
  }
}
