// The one harness of every worker role's tests (the service generator's `--worker` tests use it too).
import { createService, type Service } from '@refarch/bootstrap';
import { callAs, startOnTestDatabase, type DatabaseServiceUnderTest } from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadWorkersConfig, type WorkerRole } from '../src/config.js';

/** The service name each running role answers as (the audience of the credential `call` sends it). */
const names = new Map<string, string>();
/** HTTP to a worker as another service calls it (the gateway): with a service credential for that role. */
export const call = (base: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  callAs(names.get(base) ?? 'unknown')(base, method, path, body, headers);
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
  }).then((svc) => {
    names.set(svc.url, `${role}-worker`);
    return svc;
  });
}
