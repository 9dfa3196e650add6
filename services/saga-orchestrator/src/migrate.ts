// `npm run migrate -w services/saga-orchestrator`: applies pending migrations and exits.
import { MESSAGING_MIGRATIONS } from '@refarch/messaging';
import { migrate } from '@refarch/postgres';
import { loadMigrationConfig, MIGRATIONS_DIR } from './config.js';

const { DATABASE_URL } = loadMigrationConfig();
const log = (message: string) => console.log(message);
await migrate({ databaseUrl: DATABASE_URL, ...MESSAGING_MIGRATIONS, log });
await migrate({ databaseUrl: DATABASE_URL, dir: MIGRATIONS_DIR, log });
