import { createService, type Service } from '@refarch/bootstrap';
import {
  callAs,
  startOnTestDatabase,
  type DatabaseServiceUnderTest,
  type TestServiceOverrides,
} from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadInventoryServiceConfig } from '../src/config.js';

/** HTTP to the service as another service calls it (the saga, the gateway): with a service credential. */
export const call = callAs('inventory-service');
export type InventoryUnderTest = DatabaseServiceUnderTest<Service>;
/** The admin token the service under test takes (its /admin routes). */
export const ADMIN_TOKEN = 'inventory-test-admin-token';

/** inventory-service on its own fresh test database (migrated), built exactly as main.ts builds it. */
export function startInventoryService(postgresUrl: string, rabbitmqUrl: string): Promise<InventoryUnderTest> {
  const start = (databaseUrl: string, o: TestServiceOverrides, namespace: string) => {
    const config = loadInventoryServiceConfig({
      DATABASE_URL: databaseUrl,
      RABBITMQ_URL: rabbitmqUrl,
      MESSAGING_NAMESPACE: namespace,
      LOG_LEVEL: 'warn',
      ADMIN_TOKEN,
    });
    return createService(AppModule.forRoot(config), {
      name: 'inventory-service',
      config: { ...config, ...o.config },
      logDestination: o.logDestination,
    });
  };
  return startOnTestDatabase(postgresUrl, 'inventory', start, { rabbitmqUrl });
}
