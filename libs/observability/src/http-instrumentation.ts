import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  CORRELATION_HEADER,
  correlationIdFrom,
  DEADLINE_HEADER,
  deadlineFrom,
  runWithContext,
  traceIdFrom,
  TRACEPARENT_HEADER,
  type RequestContext,
} from './context.js';
import type { ServiceMetrics } from './metrics.js';
import { activeTraceId } from './tracing.js';

/** The subset of Fastify this module hooks into (kept structural so the lib does not pin a Fastify version). */
interface HookableRequest {
  id: string;
  headers: Record<string, string | string[] | undefined>;
  method: string;
  url: string;
  routeOptions?: { url?: string };
}
interface HookableReply {
  statusCode: number;
  elapsedTime: number;
  header(name: string, value: string): unknown;
}
type Done = (err?: Error) => void;
export interface InstrumentableServer {
  addHook(
    name: 'onRequest' | 'preHandler',
    hook: (req: HookableRequest, reply: HookableReply, done: Done) => void,
  ): unknown;
  addHook(name: 'onResponse', hook: (req: HookableRequest, reply: HookableReply, done: Done) => void): unknown;
}

/** Fastify server options that make `request.id` the correlation id (taken from the header or created). */
export const correlationServerOptions = {
  requestIdHeader: false as const,
  genReqId: (req: { headers: Record<string, string | string[] | undefined> }) =>
    correlationIdFrom(req.headers[CORRELATION_HEADER]),
};

/** Paths probed constantly by Kubernetes and Prometheus: logged at debug so they do not drown the log. */
const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * Adds the request context (correlation id, trace id, deadline), the `x-correlation-id` response header, one log line per request and the RED
 * histogram to a Fastify server. The route label is the route template (`/users/:id`), never the raw URL.
 */
export function instrumentHttp(server: InstrumentableServer, logger: Logger, metrics: ServiceMetrics): void {
  const contexts = new WeakMap<HookableRequest, RequestContext>();
  server.addHook('onRequest', (req, reply, done) => {
    reply.header(CORRELATION_HEADER, req.id);
    const context: RequestContext = {
      correlationId: req.id,
      // With tracing on, the HTTP server span (already started from the same header) holds the trace id.
      traceId: activeTraceId() ?? traceIdFrom(req.headers[TRACEPARENT_HEADER]),
      deadlineAt: deadlineFrom(req.headers[DEADLINE_HEADER], Date.now()),
    };
    contexts.set(req, context);
    runWithContext(context, done);
  });
  // Body parsing runs on stream callbacks outside the onRequest context: enter it again before the handler.
  server.addHook('preHandler', (req, _reply, done) => runWithContext(contexts.get(req)!, done));
  server.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions?.url ?? '<unmatched>';
    const status = reply.statusCode;
    // The HTTP server span is named by its route template, as a framework instrumentation would name it.
    const span = trace.getActiveSpan();
    if (span && route !== '<unmatched>') span.updateName(`${req.method} ${route}`).setAttribute('http.route', route);
    metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, reply.elapsedTime / 1000);
    const line = {
      correlationId: req.id,
      method: req.method,
      route,
      status,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (status >= 500) logger.error(line, 'request failed');
    else if (QUIET_ROUTES.has(route)) logger.debug(line, 'request completed');
    else logger.info(line, 'request completed');
    done();
  });
}
