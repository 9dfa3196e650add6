import {
  Body,
  Controller,
  Get,
  Global,
  Injectable,
  Module,
  Put,
  UseGuards,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AdminTokenGuard } from '@refarch/admin';
import { validationErrorFromZod } from '@refarch/errors';
import { METRICS_REGISTRY } from '@refarch/observability';
import type { Registry } from 'prom-client';
import { BreakerRegistry, DEFAULT_BREAKER_OPTIONS, type BreakerOptions } from './breakers.js';
import { FaultInjector, faultSettingsSchema, type FaultSettings } from './faults.js';
import { HttpClients, type Credential } from './http-client.js';

export interface ResilienceOptions {
  /** This service's name: breakers are named `<caller>-><dependency>`. */
  caller: string;
  /** Fault injection at start (FAULT_MODE, FAULT_ERROR_RATE, FAULT_LATENCY_MS). */
  faults: FaultSettings;
  breakerDefaults?: Partial<BreakerOptions>;
  /** The bearer credential of a call to `dependency` that sets no `authorization` of its own (see HttpClients). */
  credential?: Credential;
}

@Controller('admin')
@UseGuards(AdminTokenGuard)
class ResilienceAdminController {
  constructor(
    private readonly breakers: BreakerRegistry,
    private readonly faults: FaultInjector,
  ) {}

  /** Every breaker of this service with its state, options and rolling counts. */
  @Get('breakers')
  listBreakers() {
    return { breakers: this.breakers.list() };
  }

  @Get('faults')
  getFaults() {
    return this.faults.current;
  }

  @Put('faults')
  setFaults(@Body() body: unknown) {
    const parsed = faultSettingsSchema.safeParse(body);
    if (!parsed.success) throw validationErrorFromZod(parsed.error);
    return this.faults.set(parsed.data);
  }
}

@Injectable()
class ResilienceLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly breakers: BreakerRegistry,
    private readonly clients: HttpClients,
    private readonly faults: FaultInjector,
  ) {}

  // Before the HTTP server drains: hung requests would otherwise hold the drain until the shutdown timeout.
  beforeApplicationShutdown() {
    this.faults.releaseHung();
  }

  async onApplicationShutdown() {
    this.breakers.close();
    await this.clients.close();
  }
}

/**
 * Breakers, HTTP clients, fault injection and `/admin/breakers`, `/admin/faults` for one service. Mounted by
 * `@refarch/bootstrap` for every service; inject `HttpClients` to call a dependency.
 */
@Global()
@Module({})
export class ResilienceModule {
  static forRoot(options: ResilienceOptions): DynamicModule {
    return {
      module: ResilienceModule,
      controllers: [ResilienceAdminController],
      providers: [
        {
          provide: BreakerRegistry,
          inject: [METRICS_REGISTRY],
          useFactory: (registry: Registry) =>
            new BreakerRegistry(options.caller, registry, { ...DEFAULT_BREAKER_OPTIONS, ...options.breakerDefaults }),
        },
        {
          provide: HttpClients,
          inject: [BreakerRegistry, METRICS_REGISTRY],
          useFactory: (breakers: BreakerRegistry, registry: Registry) =>
            new HttpClients(breakers, registry, options.credential),
        },
        { provide: FaultInjector, useFactory: () => new FaultInjector(options.faults) },
        ResilienceLifecycle,
      ],
      exports: [BreakerRegistry, HttpClients, FaultInjector],
    };
  }
}
