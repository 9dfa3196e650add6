import { timingSafeEqual } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  Global,
  Inject,
  Injectable,
  Module,
  Put,
  UseGuards,
  type BeforeApplicationShutdown,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ForbiddenError, UnauthorizedError, validationErrorFromZod } from '@refarch/errors';
import { METRICS_REGISTRY } from '@refarch/observability';
import type { Registry } from 'prom-client';
import { BreakerRegistry, DEFAULT_BREAKER_OPTIONS, type BreakerOptions } from './breakers.js';
import { FaultInjector, faultSettingsSchema, type FaultSettings } from './faults.js';
import { HttpClients } from './http-client.js';

export interface ResilienceOptions {
  /** This service's name: breakers are named `<caller>-><dependency>`. */
  caller: string;
  /** Bearer token for `/admin/*`; when unset the admin API answers 403. */
  adminToken?: string;
  /** Fault injection at start (FAULT_MODE, FAULT_ERROR_RATE, FAULT_LATENCY_MS). */
  faults: FaultSettings;
  breakerDefaults?: Partial<BreakerOptions>;
}

/** Injection token of the service's admin token (`undefined` when the admin API is disabled). */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/** Guards `/admin/*` routes of any platform module: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly adminToken: string | undefined) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.adminToken;
    if (!expected)
      throw new ForbiddenError('ADMIN.DISABLED', 'The admin API is disabled: set ADMIN_TOKEN to enable it');
    const header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers['authorization'];
    const given = typeof header === 'string' ? (/^Bearer\s+(.+)$/i.exec(header)?.[1] ?? '') : '';
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new UnauthorizedError('ADMIN.UNAUTHORIZED', 'A valid admin bearer token is required');
    }
    return true;
  }
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
        { provide: ADMIN_TOKEN, useValue: options.adminToken },
        {
          provide: BreakerRegistry,
          inject: [METRICS_REGISTRY],
          useFactory: (registry: Registry) =>
            new BreakerRegistry(options.caller, registry, { ...DEFAULT_BREAKER_OPTIONS, ...options.breakerDefaults }),
        },
        {
          provide: HttpClients,
          inject: [BreakerRegistry, METRICS_REGISTRY],
          useFactory: (breakers: BreakerRegistry, registry: Registry) => new HttpClients(breakers, registry),
        },
        { provide: FaultInjector, useFactory: () => new FaultInjector(options.faults) },
        AdminTokenGuard,
        ResilienceLifecycle,
      ],
      exports: [BreakerRegistry, HttpClients, FaultInjector, ADMIN_TOKEN, AdminTokenGuard],
    };
  }
}
