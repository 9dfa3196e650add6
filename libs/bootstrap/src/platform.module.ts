import { Global, Module, type DynamicModule } from '@nestjs/common';
import { LOGGER, METRICS_REGISTRY, MetricsController, type Logger, type ServiceMetrics } from '@refarch/observability';

/** Makes the logger and metrics registry injectable everywhere and serves `GET /metrics`. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(logger: Logger, metrics: ServiceMetrics): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [MetricsController],
      providers: [
        { provide: LOGGER, useValue: logger },
        { provide: METRICS_REGISTRY, useValue: metrics.registry },
      ],
      exports: [LOGGER, METRICS_REGISTRY],
    };
  }
}
