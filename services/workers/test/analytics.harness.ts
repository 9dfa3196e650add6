import { createService, type Service } from '@refarch/bootstrap';
import { startOnTestDatabase, type DatabaseServiceUnderTest } from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadWorkersConfig } from '../src/config.js';

const loadConfig = (env: Record<string, string>) => loadWorkersConfig({ WORKER_ROLE: 'analytics', ...env });

export { httpJson as call } from '@refarch/testing';
export type ServiceUnderTest = DatabaseServiceUnderTest<Service>;

/** analytics-worker on its own fresh test database, built exactly as main.ts builds it. */
export function startAnalytics(
  postgresUrl: string,
  rabbitmqUrl: string,
  env: Record<string, string> = {},
): Promise<ServiceUnderTest> {
  return startOnTestDatabase(postgresUrl, 'analytics', (dbUrl, o) => {
    const config = loadConfig({ DATABASE_URL: dbUrl, RABBITMQ_URL: rabbitmqUrl, LOG_LEVEL: 'info', ...env });
    return createService(AppModule.forRoot(config), {
      name: 'analytics-worker',
      config: { ...config, ...o.config },
      logDestination: o.logDestination,
    });
  });
}
