import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { validationErrorFromZod } from '@refarch/errors';
import { BreakerRegistry, faultSettingsSchema, HttpStatusError } from '@refarch/resilience';
import { AdminOnly } from '../auth/auth.guard.js';
import { Cache } from '../cache/cache.js';
import { PRODUCTS_KEY } from '../catalog/products.controller.js';
import { GATEWAY_CONFIG, type GatewayConfig, type UpstreamName } from '../config.js';
import { passThroughClientErrors, Upstreams } from '../upstreams.js';
import { UnknownServiceError } from './lab.errors.js';

/**
 * The resilience lab (admin only): every service's breakers, and fault injection per service. The gateway is the
 * one place that can reach every service's `/admin` API; the frontend's lab page uses only these routes.
 */
@Controller('api/lab')
@AdminOnly()
export class LabController {
  constructor(
    private readonly upstreams: Upstreams,
    private readonly breakers: BreakerRegistry,
    private readonly cache: Cache,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Puts stock in (inventory-service's `POST /admin/products/restock`: `{add: N}` or `{to: N}`, optionally `skus`):
   * a load test sells the seeded catalog out. The cached product list is dropped once inventory has committed.
   */
  @Post('restock')
  @HttpCode(200)
  async restock(@Body() body: unknown) {
    try {
      const { body: result } = await this.upstreams.admin('inventory-service').request<unknown>({
        method: 'POST',
        path: '/admin/products/restock',
        body: body ?? null,
        headers: this.upstreams.adminHeaders(),
        deadlineMs: this.config.COMPOSITION_TIMEOUT_MS * 2,
      });
      await this.cache.invalidate(PRODUCTS_KEY);
      return result;
    } catch (error) {
      passThroughClientErrors(error);
    }
  }

  /** `{services: {<name>: [breakers] | null}, degraded: [names that did not answer]}` incl. the gateway's own. */
  @Get('breakers')
  async allBreakers() {
    const { results, degraded } = await this.fromEveryService<{ breakers: unknown[] }>('/admin/breakers');
    const services: Record<string, unknown[] | null> = { 'api-gateway': this.breakers.list() };
    for (const [name, value] of Object.entries(results)) services[name] = value?.breakers ?? null;
    return { services, degraded };
  }

  /**
   * `{services: {<name>: ledger}, degraded: [names that did not answer]}`: the `GET /admin/ledger` of every service
   * that keeps one (orders, payments, reservations and stock, shipments), for `npm run verify`. A service without a
   * ledger (404) is left out; one that did not answer is named in `degraded`, and verify refuses to judge.
   */
  @Get('ledger')
  async ledger() {
    const degraded: string[] = [];
    const services: Record<string, unknown> = {};
    await Promise.all(
      this.upstreams.names.map(async (name) => {
        try {
          const { body } = await this.upstreams.admin(name).get<unknown>('/admin/ledger', {
            headers: this.upstreams.adminHeaders(),
            // A ledger of every order is one query, but a large one: more time than a status read.
            deadlineMs: this.config.COMPOSITION_TIMEOUT_MS * 10,
          });
          services[name] = body;
        } catch (error) {
          if (!(error instanceof HttpStatusError && error.upstreamStatus === 404)) degraded.push(name);
        }
      }),
    );
    return { services, degraded: degraded.sort() };
  }

  /** Every service's current fault settings (`null` for one that did not answer). */
  @Get('faults')
  async allFaults() {
    const { results, degraded } = await this.fromEveryService<unknown>('/admin/faults');
    return { services: results, degraded };
  }

  /** `{mode, errorRate, latencyMs}` → that service's `PUT /admin/faults`; answers the settings now in force. */
  @Put('faults/:service')
  async setFaults(@Param('service') service: string, @Body() body: unknown) {
    const name = this.known(service);
    const parsed = faultSettingsSchema.safeParse(body);
    if (!parsed.success) throw validationErrorFromZod(parsed.error);
    try {
      const { body: settings } = await this.upstreams.admin(name).request<unknown>({
        method: 'PUT',
        path: '/admin/faults',
        body: parsed.data,
        headers: this.upstreams.adminHeaders(),
        deadlineMs: this.config.COMPOSITION_TIMEOUT_MS * 2,
      });
      return { service: name, faults: settings };
    } catch (error) {
      passThroughClientErrors(error);
    }
  }

  private known(service: string): UpstreamName {
    const name = this.upstreams.names.find((n) => n === service);
    if (!name) throw new UnknownServiceError(service);
    return name;
  }

  private async fromEveryService<T>(path: string) {
    const degraded: string[] = [];
    const entries = await Promise.all(
      this.upstreams.names.map(async (name) => {
        try {
          const { body } = await this.upstreams.admin(name).get<T>(path, {
            headers: this.upstreams.adminHeaders(),
            deadlineMs: this.config.COMPOSITION_TIMEOUT_MS,
          });
          return [name, body] as const;
        } catch {
          degraded.push(name);
          return [name, null] as const;
        }
      }),
    );
    return { results: Object.fromEntries(entries) as Record<UpstreamName, T | null>, degraded: degraded.sort() };
  }
}
