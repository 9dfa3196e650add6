// `WORKER_ROLE=<role> npm run migrate -w services/workers`: applies the role's pending migrations (the messaging tables, then its own) and exits.
import { migrateServiceDatabase } from '@refarch/messaging';
import { loadMigrationConfig, migrationsDir } from './config.js';

const { WORKER_ROLE, DATABASE_URL } = loadMigrationConfig();
await migrateServiceDatabase(DATABASE_URL, migrationsDir(WORKER_ROLE));
