import { runner } from 'node-pg-migrate';

export interface MigrateOptions {
  databaseUrl: string;
  /** Folder of versioned files `NNN_name.sql`, each with `-- Up Migration` and optionally `-- Down Migration`. */
  dir: string;
  /** Table recording what ran (default `schema_migrations`); a library's own migrations use a table of their own. */
  table?: string;
  log?: (message: string) => void;
}

/**
 * Applies pending migrations in order, in one transaction, under an advisory lock (so replicas starting together
 * wait for each other instead of racing). Returns the names of the migrations applied by this call.
 */
export async function migrate({
  databaseUrl,
  dir,
  table = 'schema_migrations',
  log,
}: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    // A server that does not answer fails within 5 s instead of holding start-up (pg's default is to wait forever).
    databaseUrl: { connectionString: databaseUrl, connectionTimeoutMillis: 5_000 },
    dir,
    direction: 'up',
    migrationsTable: table,
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    // node-pg-migrate's own progress lines are verbose; report one summary line instead.
    log: () => undefined,
  });
  log?.(
    applied.length
      ? `applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`
      : 'database schema is up to date',
  );
  return applied.map((m) => m.name);
}
