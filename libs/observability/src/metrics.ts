import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Injection token of the service's prom-client registry; register your own metrics on it. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/**
 * A registry per service instance (not prom-client's global one, so several apps can live in one test process)
 * with default process metrics, `service` as a default label, and the HTTP RED histogram.
 */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // prom-client's three sums of the by-type gauges end in _total, which `promtool check metrics` rejects for a gauge
  // (the suffix is a counter's); the by-type gauges (nodejs_active_handles{type}, …) carry the same information.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const httpDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests served, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpDuration };
}

/**
 * The metric `name` of `registry`, created by `create` on first use. Libraries whose objects can be built several
 * times per service (one consumer per queue, one client per dependency) share their metrics this way instead of
 * failing on a duplicate registration.
 */
export function sharedMetric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** `GET /metrics` in the Prometheus text format. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
