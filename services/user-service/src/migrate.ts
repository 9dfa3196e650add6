// `npm run migrate -w services/user-service`: applies pending migrations and exits (for a Kubernetes Job or CI).
import { migrate } from '@refarch/postgres';
import { loadMigrationConfig, MIGRATIONS_DIR } from './config.js';

const { DATABASE_URL } = loadMigrationConfig();
await migrate({ databaseUrl: DATABASE_URL, dir: MIGRATIONS_DIR, log: (message) => console.log(message) });
