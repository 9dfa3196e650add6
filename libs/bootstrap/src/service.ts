import 'reflect-metadata';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AdminModule } from '@refarch/admin';
import { ConfigError, type ServiceEnv } from '@refarch/config';
import { ProblemDetailsFilter, sendProblem, type ProblemReply } from '@refarch/errors';
import { ShutdownSignal } from '@refarch/health';
import {
  correlationServerOptions,
  createLogger,
  createMetrics,
  instrumentHttp,
  NestPinoLogger,
  shutdownTracing,
  type Logger,
  type ServiceMetrics,
} from '@refarch/observability';
import type { DestinationStream } from 'pino';
import { MessageErrorFilter, RabbitMqTransport } from '@refarch/messaging';
import { DeadlineInterceptor, FaultInjector, ResilienceModule } from '@refarch/resilience';
import { IdentityModule } from './identity.module.js';
import { serviceTokenSecret, ServiceCredentials } from './identity.js';
import { PlatformModule } from './platform.module.js';
import { ZodValidationPipe } from './validation.js';

/** The platform settings a service's config must contain (see `serviceEnv` in @refarch/config). */
export type PlatformConfig = Readonly<
  Pick<
    ServiceEnv,
    | 'HOST'
    | 'PORT'
    | 'LOG_LEVEL'
    | 'BODY_LIMIT_BYTES'
    | 'SHUTDOWN_TIMEOUT_MS'
    | 'SHUTDOWN_DELAY_MS'
    | 'ADMIN_TOKEN'
    | 'FAULT_MODE'
    | 'FAULT_ERROR_RATE'
    | 'FAULT_LATENCY_MS'
    | 'BREAKERS'
    | 'NODE_ENV'
    | 'SERVICE_TOKEN_SECRET'
    | 'JWKS_URL'
    | 'JWT_ISSUER'
    | 'JWT_AUDIENCE'
    | 'JWT_CLOCK_SKEW_SECONDS'
  >
>;

const LIVE = { status: 'ok' };

export interface ServiceOptions {
  /** Service name: log field `service`, metric label `service`. */
  name: string;
  config: PlatformConfig;
  /** Log destination; stdout by default. Tests pass a stream to read lines back. */
  logDestination?: DestinationStream;
  /** Registers Fastify plugins a service needs of its own (the gateway's helmet and CORS) before it listens. */
  configure?: (app: NestFastifyApplication) => Promise<void>;
}

export interface Service {
  app: NestFastifyApplication;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Starts listening on HOST:PORT (PORT 0 picks a free port); resolves to the base URL. */
  listen(): Promise<string>;
  /** Graceful stop: readiness fails, in-flight requests finish, then pools close (in `onApplicationShutdown`). */
  close(): Promise<void>;
}

/**
 * Builds a RefArch service around `rootModule` with the platform defaults: JSON logs with correlation ids,
 * Prometheus metrics and `GET /metrics`, problem+json errors, zod validation, the JSON body limit (413 above it),
 * deadlines (504 when the caller's `x-deadline-ms` runs out), circuit breakers and HTTP clients (`HttpClients`),
 * fault injection and `/admin/breakers`, `/admin/faults` (libs/resilience).
 * Health endpoints come from the service's own `HealthModule.forRoot(...)` (it knows its dependencies).
 *
 * Shutdown order: Nest closes the HTTP server (in-flight requests finish, new ones get 503) *before* it calls
 * `onApplicationShutdown`, so close pools and connections there, not in `onModuleDestroy`.
 */
export async function createService(rootModule: Type | DynamicModule, options: ServiceOptions): Promise<Service> {
  const { config, name } = options;
  const logger = createLogger({ service: name, level: config.LOG_LEVEL, destination: options.logDestination });
  const metrics = createMetrics(name);
  const credentials = new ServiceCredentials(serviceTokenSecret(config), name);

  @Module({
    imports: [
      PlatformModule.forRoot(logger, metrics),
      AdminModule.forRoot(config.ADMIN_TOKEN || undefined),
      IdentityModule.forRoot(config, credentials),
      ResilienceModule.forRoot({
        caller: name,
        credential: (dependency) => credentials.issue(dependency),
        ...(config.BREAKERS === 'off' ? { breakerDefaults: { enabled: false } } : {}),
        faults: { mode: config.FAULT_MODE, errorRate: config.FAULT_ERROR_RATE, latencyMs: config.FAULT_LATENCY_MS },
      }),
      rootModule,
    ],
  })
  class ServiceRootModule {}

  const onUnexpected = (error: unknown) => logger.error({ err: error }, 'unhandled error');
  const adapter = new FastifyAdapter({
    ...correlationServerOptions,
    // Errors Fastify raises while routing, before Nest sees the request (a malformed URL, a path parameter over
    // maxParamLength): same problem+json as everything else.
    frameworkErrors: (error: Error, request: unknown, reply: unknown) =>
      sendProblem(reply as ProblemReply, error, request, onUnexpected),
    bodyLimit: config.BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });

  // Nest routes Fastify's own errors (malformed JSON, body too large, wrong content type) and unknown routes
  // through global filters too, so this one filter shapes every error response.
  app.useGlobalFilters(new ProblemDetailsFilter(onUnexpected));
  app.useGlobalPipes(new ZodValidationPipe());
  app.useGlobalInterceptors(new DeadlineInterceptor());
  const fastify = app.getHttpAdapter().getInstance();
  instrumentHttp(fastify, logger, metrics);
  // Liveness means "the process answers": a plain Fastify route, without Nest's guards, interceptors and pipes —
  // about twice as cheap (the gateway's benchmark), so probes stay cheap on a saturated pod.
  fastify.get('/health/live', (_request, reply) => {
    void reply.send(LIVE);
  });
  // After instrumentation, so injected faults are logged and measured like real ones.
  fastify.addHook('onRequest', app.get(FaultInjector).hook);
  await options.configure?.(app);
  // Message handlers (`@OnMessage`, i.e. Nest's `@EventPattern`) run on the RabbitMQ transport as a hybrid app, in a
  // service with messaging. Its own config, not the HTTP one (problem+json, zod pipes, deadlines are HTTP's); the
  // handlers are wired at listen(), after the filter that hands their errors to the transport unchanged.
  // Lifecycle hooks are the app's: the microservice must not run onModuleInit/onApplicationBootstrap a second time.
  const transport = messageTransport(app);
  if (transport) {
    const microservice = app.connectMicroservice({ strategy: transport }, { deferInitialization: true });
    microservice.useGlobalFilters(new MessageErrorFilter());
    (microservice as unknown as { setIsInitHookCalled(called: boolean): void }).setIsInitHookCalled(true);
  }

  let closing: Promise<void> | undefined;
  // A keep-alive connection whose request was in flight at close() would keep the server open after its response:
  // ask the client to close it, so draining ends when the last response is sent.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  const close = () =>
    (closing ??= (async () => {
      app.get(ShutdownSignal, { strict: false }).startDraining();
      if (config.SHUTDOWN_DELAY_MS) await new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY_MS));
      await app.close();
    })());

  return {
    app,
    logger,
    metrics,
    async listen() {
      // Consumers first (waiting at most 5 s for the broker), so a service that answers is consuming.
      await app.startAllMicroservices();
      await app.listen(config.PORT, config.HOST);
      const address = fastify.server.address();
      const port = typeof address === 'object' && address ? address.port : config.PORT;
      const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
      return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    },
    close,
  };
}

/** The service's RabbitMqTransport, when it imports MessagingModule. */
function messageTransport(app: NestFastifyApplication): RabbitMqTransport | undefined {
  try {
    return app.get(RabbitMqTransport, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * `main.ts` in one call: load the configuration, create the service, listen, and stop gracefully on SIGTERM/SIGINT —
 * exit 0 once drained, exit 1 if draining outlives SHUTDOWN_TIMEOUT_MS. A bad environment prints its one error
 * (every bad variable, no stack trace) and exits 1; any other failure to start is printed and exits 1.
 *
 *   await runService('user-service', loadUserServiceConfig, (config) => AppModule.forRoot(config));
 */
export async function runService<C extends PlatformConfig>(
  serviceName: string | ((config: C) => string),
  loadConfig: () => C,
  rootModule: (config: C) => Type | DynamicModule,
  configure?: (app: NestFastifyApplication, config: C) => Promise<void>,
): Promise<Service> {
  let service: Service;
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    const label = typeof serviceName === 'string' ? serviceName : 'service';
    process.stderr.write(`${label}: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  // A name can depend on the configuration (one image, several roles: `shipping-worker`).
  const name = typeof serviceName === 'string' ? serviceName : serviceName(config);
  try {
    service = await createService(rootModule(config), {
      name,
      config,
      ...(configure ? { configure: (app: NestFastifyApplication) => configure(app, config) } : {}),
    });
    const url = await service.listen();
    service.logger.info({ url }, `${name} listening`);
  } catch (error) {
    process.stderr.write(`${name} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  }
  const stop = (signal: NodeJS.Signals) => {
    service.logger.info({ signal }, 'shutting down: draining in-flight work');
    setTimeout(() => {
      service.logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; forcing exit');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    service.close().then(
      async () => {
        service.logger.info('shutdown complete');
        await shutdownTracing(); // batched spans (OTLP) are flushed before the process ends
        process.exit(0);
      },
      (error: unknown) => {
        service.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return service;
}
