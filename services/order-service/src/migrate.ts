// `npm run migrate -w services/order-service`: applies the PostgreSQL adapter's migrations (MongoDB needs none;
// its indexes are created at start).
import { migrateServiceDatabase } from '@refarch/messaging';
import { loadMigrationConfig, MIGRATIONS_DIR, usesMongo } from './config.js';

const { ORDERS_DB_URL } = loadMigrationConfig();
if (usesMongo(ORDERS_DB_URL)) {
  console.log('ORDERS_DB_URL is MongoDB: nothing to migrate (indexes are created at start)');
} else {
  await migrateServiceDatabase(ORDERS_DB_URL, MIGRATIONS_DIR);
}
