import { generateKeyPairSync } from 'node:crypto';
import { createService } from '@refarch/bootstrap';
import { createTestDatabase, startTestService, type TestDatabase, type TestService } from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadUserServiceConfig } from '../src/config.js';

export function newSigningKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

export interface UserServiceUnderTest extends TestService {
  db: TestDatabase;
  stop(): Promise<void>;
}

/** user-service on its own fresh test database, built exactly as main.ts builds it. */
export async function startUserService(
  postgresUrl: string,
  rabbitmqUrl: string,
  env: Record<string, string> = {},
  databaseUrl?: (dbUrl: string) => string,
): Promise<UserServiceUnderTest> {
  const db = await createTestDatabase(postgresUrl, 'users');
  const config = loadUserServiceConfig({
    DATABASE_URL: databaseUrl ? databaseUrl(db.url) : db.url,
    RABBITMQ_URL: rabbitmqUrl,
    JWT_PRIVATE_KEY: newSigningKey(),
    LOG_LEVEL: 'info',
    ...env,
  });
  const svc = await startTestService((o) =>
    createService(AppModule.forRoot(config), {
      name: 'user-service',
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

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
