import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/** The subset of a Fastify reply the filter needs (keeps this library free of an HTTP adapter). */
export interface ProblemReply {
  sent?: boolean;
  code(status: number): ProblemReply;
  header(name: string, value: string): ProblemReply;
  send(body: unknown): unknown;
}

export type UnexpectedErrorHandler = (error: unknown, request: unknown) => void;

/** Writes a problem to a reply, unless a response has already started. */
export function sendProblem(
  reply: ProblemReply,
  error: unknown,
  request: unknown,
  onUnexpected?: UnexpectedErrorHandler,
) {
  const url = (request as { url?: unknown } | undefined)?.url;
  const problem = toProblem(error, typeof url === 'string' ? url.split('?')[0] : undefined);
  if (problem.unexpected) onUnexpected?.(error, request);
  if (reply.sent) return;
  reply.code(problem.status).header('content-type', PROBLEM_CONTENT_TYPE);
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  reply.send(problem.body);
}

/**
 * Nest exception filter for every HTTP route: AppErrors and framework errors become RFC 9457 problem+json;
 * unknown errors become a generic 500 and are reported to `onUnexpected` (which logs them with the correlation id).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly onUnexpected?: UnexpectedErrorHandler) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getResponse<ProblemReply>(), error, http.getRequest<unknown>(), this.onUnexpected);
  }
}
