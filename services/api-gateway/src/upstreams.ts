import { Inject, Injectable } from '@nestjs/common';
import { AppError, type FieldError } from '@refarch/errors';
import { HttpClients, HttpStatusError, type HttpClient } from '@refarch/resilience';
import { GATEWAY_CONFIG, upstreams, type GatewayConfig, type UpstreamName } from './config.js';

/** One resilient client (breaker, retries, deadline) per service behind the gateway. */
@Injectable()
export class Upstreams {
  private readonly clients: Record<UpstreamName, HttpClient>;
  private readonly adminClients: Record<UpstreamName, HttpClient>;

  constructor(
    clients: HttpClients,
    @Inject(GATEWAY_CONFIG) readonly config: GatewayConfig,
  ) {
    const entries = Object.entries(upstreams(config)).map(([name, url]) => [name, clients.create(name, url)]);
    this.clients = Object.fromEntries(entries) as Record<UpstreamName, HttpClient>;
    // The lab's calls to `/admin/*` have breakers of their own: a service whose business routes fail (and opened
    // the gateway's breaker) must still be reachable to switch its faults off.
    const admin = Object.entries(upstreams(config)).map(([name, url]) => [name, clients.create(`${name}-admin`, url)]);
    this.adminClients = Object.fromEntries(admin) as Record<UpstreamName, HttpClient>;
  }

  get names(): UpstreamName[] {
    return Object.keys(this.clients);
  }

  client(name: UpstreamName): HttpClient {
    return this.known(this.clients, name);
  }

  /** The client for a service's `/admin/*` API (its own breaker). */
  admin(name: UpstreamName): HttpClient {
    return this.known(this.adminClients, name);
  }

  private known(clients: Record<UpstreamName, HttpClient>, name: UpstreamName): HttpClient {
    const client = clients[name];
    // Names come from the catalog and are checked at the edge (the lab's 404): a miss here is a bug.
    if (!client) throw new Error(`no upstream named ${name} in the gateway's catalog entry`);
    return client;
  }

  /** `Authorization` for the services' `/admin/*` routes. */
  adminHeaders(): Record<string, string> {
    const token = this.config.SERVICES_ADMIN_TOKEN ?? this.config.ADMIN_TOKEN;
    return token ? { authorization: `Bearer ${token}` } : {};
  }
}

interface UpstreamProblem {
  code: string;
  title: string;
  detail: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

const isProblem = (body: unknown): body is UpstreamProblem =>
  !!body &&
  typeof body === 'object' &&
  typeof (body as UpstreamProblem).code === 'string' &&
  typeof (body as UpstreamProblem).title === 'string' &&
  typeof (body as UpstreamProblem).detail === 'string';

/**
 * A service's 4xx answer is the client's business (409 email taken, 422 key reused, 400 validation): it is passed
 * on with its code, text and field errors. So is its 503 problem (its store is out, it is shedding load): the client
 * should come back after `Retry-After`, which a 502 would not tell it. Anything else (other 5xx, unreachable, open
 * breaker, deadline) stays an upstream failure: 502/503/504 with a generic text — internal error text never
 * reaches a client (our services' problem documents carry none).
 */
export function passThroughClientErrors(error: unknown): never {
  if (
    error instanceof HttpStatusError &&
    ((error.upstreamStatus >= 400 && error.upstreamStatus < 500) || error.upstreamStatus === 503)
  ) {
    const body = error.body;
    if (isProblem(body)) {
      const { type: _type, title, status: _status, detail, code, errors, instance: _instance, ...extensions } = body;
      throw new AppError(code, error.upstreamStatus, title, {
        detail,
        ...(errors ? { errors } : {}),
        extensions,
        ...(error.retryAfterMs !== undefined
          ? { headers: { 'retry-after': String(Math.ceil(error.retryAfterMs / 1000)) } }
          : {}),
      });
    }
  }
  throw error;
}
