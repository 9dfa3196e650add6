// `npm run migrate -w services/user-service`: applies pending migrations (the messaging tables, then its own) and
// exits (for a Kubernetes Job or CI).
import { migrateServiceDatabase } from '@refarch/messaging';
import { loadMigrationConfig, MIGRATIONS_DIR } from './config.js';

await migrateServiceDatabase(loadMigrationConfig().DATABASE_URL, MIGRATIONS_DIR);
