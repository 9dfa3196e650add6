// The one harness of every worker role's tests (the service generator's `--worker` tests use it too).
import { createService, type Service } from '@refarch/bootstrap';
import { startOnTestDatabase, type DatabaseServiceUnderTest } from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadWorkersConfig, type WorkerRole } from '../src/config.js';

export { httpJson as call } from '@refarch/testing';
export type ServiceUnderTest = DatabaseServiceUnderTest<Service>;

/** The worker role `role` on its own fresh test database, built exactly as main.ts builds it. */
export function startRole(
  role: WorkerRole,
  postgresUrl: string,
  rabbitmqUrl: string,
  env: Record<string, string> = {},
): Promise<ServiceUnderTest> {
  return startOnTestDatabase(postgresUrl, role, (databaseUrl, o) => {
    const config = loadWorkersConfig({
      WORKER_ROLE: role,
      DATABASE_URL: databaseUrl,
      RABBITMQ_URL: rabbitmqUrl,
      LOG_LEVEL: 'info',
      ...env,
    });
    return createService(AppModule.forRoot(config), {
      name: `${role}-worker`,
      config: { ...config, ...o.config },
      logDestination: o.logDestination,
    });
  });
}
