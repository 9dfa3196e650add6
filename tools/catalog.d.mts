/** One service of the catalog (the "refarch" block of services/<dir>/package.json); see tools/catalog.mjs. */
export interface CatalogEntry {
  name: string;
  /** Folder under services/. */
  dir: string;
  kind: 'nest' | 'worker' | 'static';
  /** WORKER_ROLE of a worker. */
  role?: string;
  /** Local port (npm run stack). */
  port: number;
  needs: Infra[];
  /** The database it owns: PostgreSQL unless `store` says `mongodb`. */
  database?: { name: string; env: string; store?: 'postgres' | 'mongodb'; override?: string };
  /** Called service → the variable holding its URL. */
  calls: Record<string, string | { env: string; path: string }>;
  /** Has a consumer queue of its own, named after it. */
  consumes?: boolean;
  /** Public route prefix of a service behind the gateway: `/api<route>/*` is forwarded to its `<route>/*`. */
  route?: string;
  /** Events it publishes (the generator's contract stubs, which remove-service takes out again). */
  publishes?: string[];
  /** Route prefix of the public entry serving it. */
  public?: string;
  /**
   * A request that makes it call a service or publish: conformance sends it with a `traceparent` and checks that
   * what it causes continues the trace (`{uuid}` in a header becomes a fresh UUID, `{user-token}` a signed-in
   * user's access token).
   */
  traceProbe?: { method: string; path: string; body?: unknown; headers?: Record<string, string> };
  /** Production replicas. */
  replicas?: number;
  stackEnv?: Record<string, string>;
  entry?: string;
  readyPath?: string;
  livePath?: string;
  /**
   * What it (or its jobs) talks to but serves without: `smtp` (SMTP_URL; the stack starts maildev when nothing
   * answers), `s3` (the data lake; the stack starts s3rver).
   */
  uses?: ('smtp' | 's3')[];
  /** Dependencies the service serves without (readiness reports them degraded, stays 200). */
  optional?: Infra[];
}

export type Infra = 'postgres' | 'mongodb' | 'redis' | 'rabbitmq';

export const root: string;
export function loadCatalog(workspace?: string): CatalogEntry[];
export function startOrder(entries: CatalogEntry[]): CatalogEntry[];
export function imageOf(entry: CatalogEntry): string;
export function storeOf(entry: CatalogEntry): 'postgres' | 'mongodb' | undefined;

export interface EnvironmentContext {
  databaseUrl(name: string, store: 'postgres' | 'mongodb'): string;
  rabbitmqUrl: string;
  redisUrl: string;
  smtpUrl?: string;
  urlOf(service: string): string;
  jwtPrivateKey: string;
  namespace?: string;
}
export function serviceEnvironment(entry: CatalogEntry, ctx: EnvironmentContext): Record<string, string>;
export function storeOverride(entry: CatalogEntry): string | undefined;

export function callSpec(spec: string | { env: string; path: string }): { env: string; path?: string };
