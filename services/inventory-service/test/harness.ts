import { createService, type Service } from '@refarch/bootstrap';
import { createTestDatabase, startTestService, type TestDatabase, type TestService } from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadInventoryServiceConfig } from '../src/config.js';

export interface InventoryUnderTest extends TestService<Service> {
  db: TestDatabase;
  stop(): Promise<void>;
}

/** inventory-service on its own fresh test database (migrated and seeded), built exactly as main.ts builds it. */
export async function startInventoryService(postgresUrl: string, rabbitmqUrl: string): Promise<InventoryUnderTest> {
  const db = await createTestDatabase(postgresUrl, 'inventory');
  const config = loadInventoryServiceConfig({ DATABASE_URL: db.url, RABBITMQ_URL: rabbitmqUrl, LOG_LEVEL: 'warn' });
  const svc = await startTestService((o) =>
    createService(AppModule.forRoot(config), {
      name: 'inventory-service',
      config: { ...config, ...o.config },
      logDestination: o.logDestination,
    }),
  );
  return {
    ...svc,
    db,
    async stop() {
      await svc.close();
      await db.drop();
    },
  };
}

export async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, type: res.headers.get('content-type') ?? '' };
}
