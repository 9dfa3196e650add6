import { migrate } from '@refarch/postgres';
import { MESSAGING_MIGRATIONS } from './messaging.options.js';

/**
 * `npm run migrate` of a service on PostgreSQL (a Kubernetes Job, CI): the same migrations start-up applies — the
 * messaging tables (outbox, inbox), then the service's own — and nothing else. Each service's `migrate.ts` is one call.
 */
export async function migrateServiceDatabase(
  databaseUrl: string,
  migrationsDir: string,
  log: (message: string) => void = (message) => console.log(message),
): Promise<void> {
  await migrate({ databaseUrl, ...MESSAGING_MIGRATIONS, log });
  await migrate({ databaseUrl, dir: migrationsDir, log });
}
