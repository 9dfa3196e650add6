import { All, Controller, Req, Res, type Type } from '@nestjs/common';
import { IDEMPOTENCY_HEADER, type HttpMethod } from '@refarch/resilience';
import { CurrentCaller } from '../auth/auth.guard.js';
import { forwardedAuth, type Caller } from '../auth/jwks.js';
import { UPSTREAMS } from '../config.js';
import { passThroughClientErrors, Upstreams } from '../upstreams.js';

interface ForwardedRequest {
  url: string;
  method: string;
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
}
interface Reply {
  status(code: number): unknown;
}

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] satisfies HttpMethod[]);

/**
 * The controller of one routed service: `/api<route>` and everything below it go to the service unchanged but for
 * the `/api` prefix, as the signed-in caller (their token, which the service verifies), through its resilient
 * client. One class per route, made at start-up, so an unknown prefix is still the router's plain 404 and the RED
 * metrics see the template.
 */
function routedController(service: string, route: string): Type {
  @Controller(`api${route}`)
  class RoutedServiceController {
    constructor(private readonly upstreams: Upstreams) {}

    @All()
    root(@Req() request: ForwardedRequest, @Res({ passthrough: true }) reply: Reply, @CurrentCaller() caller: Caller) {
      return this.forward(request, reply, caller);
    }

    @All('*')
    below(@Req() request: ForwardedRequest, @Res({ passthrough: true }) reply: Reply, @CurrentCaller() caller: Caller) {
      return this.forward(request, reply, caller);
    }

    private async forward(request: ForwardedRequest, reply: Reply, caller: Caller) {
      const key = request.headers[IDEMPOTENCY_HEADER];
      try {
        const response = await this.upstreams.client(service).request({
          method: (METHODS.has(request.method) ? request.method : 'GET') as HttpMethod,
          path: request.url.slice('/api'.length),
          ...(request.body !== undefined ? { body: request.body } : {}),
          headers: forwardedAuth(caller),
          ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
          deadlineMs: this.upstreams.config.UPSTREAM_TIMEOUT_MS,
        });
        reply.status(response.status);
        return response.body;
      } catch (error) {
        passThroughClientErrors(error);
      }
    }
  }
  Object.defineProperty(RoutedServiceController, 'name', { value: `Routed(${service})` });
  return RoutedServiceController;
}

/** A controller for every service of the gateway's catalog entry that declares a public `route`. */
export const routedServiceControllers = (): Type[] =>
  UPSTREAMS.filter((u) => u.route).map((u) => routedController(u.name, u.route!));
