// `npm run migrate -w services/order-service`: applies the PostgreSQL adapter's migrations (MongoDB needs none;
// its indexes are created at start).
import { MESSAGING_MIGRATIONS } from '@refarch/messaging';
import { migrate } from '@refarch/postgres';
import { loadMigrationConfig, MIGRATIONS_DIR, usesMongo } from './config.js';

const { ORDERS_DB_URL } = loadMigrationConfig();
if (usesMongo(ORDERS_DB_URL)) {
  console.log('ORDERS_DB_URL is MongoDB: nothing to migrate (indexes are created at start)');
} else {
  const log = (message: string) => console.log(message);
  await migrate({ databaseUrl: ORDERS_DB_URL, ...MESSAGING_MIGRATIONS, log });
  await migrate({ databaseUrl: ORDERS_DB_URL, dir: MIGRATIONS_DIR, log });
}
