// `npm run migrate -w services/inventory-service`: applies pending migrations (the messaging tables, then its own) and exits.
import { migrateServiceDatabase } from '@refarch/messaging';
import { loadMigrationConfig, MIGRATIONS_DIR } from './config.js';

await migrateServiceDatabase(loadMigrationConfig().DATABASE_URL, MIGRATIONS_DIR);
