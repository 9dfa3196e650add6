import {
  Controller,
  Get,
  Inject,
  Module,
  Res,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
} from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { runCheck, type ReadinessCheck } from './checks.js';

/** Injection token of the readiness checks a service registers. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Flipped on SIGTERM so readiness fails first and the load balancer stops sending traffic before the drain. */
export class ShutdownSignal {
  private draining = false;
  get isDraining(): boolean {
    return this.draining;
  }
  startDraining(): void {
    this.draining = true;
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly shutdown: ShutdownSignal,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /**
   * Readiness: every dependency answers within its timeout; 503 with the failing ones otherwise. An optional
   * dependency that fails is reported `degraded: true` without failing readiness.
   */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: { code(status: number): unknown }) {
    const indicators = [
      () => {
        const session = this.indicator.check('shutdown');
        return this.shutdown.isDraining ? session.down({ message: 'draining for shutdown' }) : session.up();
      },
      ...this.checks.map((check) => async () => {
        const session = this.indicator.check(check.name);
        const failure = await runCheck(check);
        if (failure === undefined) return session.up();
        return check.optional ? session.up({ degraded: true, message: failure }) : session.down({ message: failure });
      }),
    ];
    try {
      return await this.health.check(indicators);
    } catch (error) {
      // Terminus throws a 503 carrying the report: answer with the report itself, not a generic problem.
      const report = (error as { getResponse?: () => unknown }).getResponse?.();
      if (report === undefined) throw error;
      reply.code(503);
      return report;
    }
  }
}

export interface HealthModuleOptions {
  imports?: ModuleMetadata['imports'];
  inject?: InjectionToken[];
  /** Builds the readiness checks from injected clients (pool, redis, ...). */
  useFactory: (...deps: never[]) => ReadinessCheck[] | Promise<ReadinessCheck[]>;
}

/**
 * `GET /health/ready` (terminus; `GET /health/live` is served by @refarch/bootstrap, outside the Nest pipeline). A service lists its dependencies:
 * `HealthModule.forRoot({ inject: [PG_POOL], useFactory: (pool: Pool) => [postgresCheck(pool)] })`.
 */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(options.imports ?? [])],
      controllers: [HealthController],
      providers: [
        ShutdownSignal,
        {
          provide: READINESS_CHECKS,
          inject: options.inject ?? [],
          useFactory: options.useFactory as (...deps: unknown[]) => ReadinessCheck[] | Promise<ReadinessCheck[]>,
        },
      ],
      exports: [ShutdownSignal],
    };
  }
}
