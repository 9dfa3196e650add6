import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands a message handler's error to the transport as it was thrown. Nest's default RPC filter would replace it with
 * `{ status: 'error', message: 'Internal server error' }`, and the retry and DLQ headers would lose the reason.
 * Bootstrap registers it on the RabbitMQ microservice.
 */
@Catch()
export class MessageErrorFilter implements RpcExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
