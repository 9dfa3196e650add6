import { generateKeyPairSync } from 'node:crypto';
import { createService, type Service } from '@refarch/bootstrap';
import { startOnTestDatabase, type DatabaseServiceUnderTest, type TestServiceOverrides } from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadUserServiceConfig } from '../src/config.js';

export { httpJson as call } from '@refarch/testing';
export type UserServiceUnderTest = DatabaseServiceUnderTest<Service>;

export function newSigningKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

/**
 * user-service on its own fresh test database, built exactly as main.ts builds it. `databaseUrl` can rewrite the
 * database URL the service uses (e.g. through a TCP proxy of the test's own).
 */
export function startUserService(
  postgresUrl: string,
  rabbitmqUrl: string,
  env: Record<string, string> = {},
  databaseUrl: (dbUrl: string) => string = (url) => url,
): Promise<UserServiceUnderTest> {
  const start = (dbUrl: string, o: TestServiceOverrides, namespace: string) => {
    const config = loadUserServiceConfig({
      DATABASE_URL: databaseUrl(dbUrl),
      RABBITMQ_URL: rabbitmqUrl,
      MESSAGING_NAMESPACE: namespace,
      JWT_PRIVATE_KEY: newSigningKey(),
      LOG_LEVEL: 'info',
      ...env,
    });
    return createService(AppModule.forRoot(config), {
      name: 'user-service',
      config: { ...config, ...o.config },
      logDestination: o.logDestination,
    });
  };
  return startOnTestDatabase(postgresUrl, 'users', start, { rabbitmqUrl });
}
