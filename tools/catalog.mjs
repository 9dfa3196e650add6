// The service catalog: every service declares its runtime facts once, in a "refarch" block of its own package.json
// (services/<dir>/package.json → refarch.services[]). Everything that lists services reads this: the stack runner,
// the image scripts, the e2e stack helper, the consistency tests. docs/fork-a-service.md describes the fields.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const KINDS = ['nest', 'worker', 'static'];
const INFRA = ['postgres', 'mongodb', 'redis', 'rabbitmq'];
/** The stores a declared database can live in (`database.store`, PostgreSQL when absent). */
const STORES = ['postgres', 'mongodb'];
/**
 * What a service (or its jobs) talks to but serves without; `npm run stack` starts an embedded default when none
 * answers: maildev for smtp, s3rver for s3 (the data lake of the analytics export).
 */
const EMBEDDED = ['smtp', 's3'];
const NAME = /^[a-z][a-z0-9-]{1,40}$/;
const ENV = /^[A-Z][A-Z0-9_]*$/;

/** Problems of one entry, each naming its file and field. */
function problemsOf(entry, where) {
  const problems = [];
  const bad = (field, why) => problems.push(`${where}: ${field} ${why}`);
  if (typeof entry.name !== 'string' || !NAME.test(entry.name)) bad('name', 'must be lower-case letters, digits and -');
  if (!KINDS.includes(entry.kind)) bad('kind', `must be one of ${KINDS.join(', ')}`);
  if (entry.kind === 'worker' && typeof entry.role !== 'string') bad('role', 'is required for a worker (WORKER_ROLE)');
  if (!Number.isInteger(entry.port) || entry.port < 1 || entry.port > 65535) bad('port', 'must be a port number');
  if (!Array.isArray(entry.needs) || entry.needs.some((n) => !INFRA.includes(n))) {
    bad('needs', `must list some of ${INFRA.join(', ')}`);
  }
  if (
    entry.optional !== undefined &&
    (!Array.isArray(entry.optional) || entry.optional.some((n) => !entry.needs?.includes(n)))
  ) {
    bad('optional', 'must list some of its needs');
  }
  if (entry.database !== undefined) {
    const { name, env, store = 'postgres' } = entry.database ?? {};
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(name)) bad('database.name', 'must be a lower-case name');
    if (typeof env !== 'string' || !ENV.test(env)) bad('database.env', 'must be an environment variable name');
    if (!STORES.includes(store)) bad('database.store', `must be one of ${STORES.join(', ')}`);
    else if (!entry.needs?.includes(store)) bad('needs', `must include ${store}, where its database lives`);
  }
  if (typeof entry.calls !== 'object' || entry.calls === null || Array.isArray(entry.calls)) {
    bad('calls', 'must map called services to the variable holding their URL');
  } else {
    for (const [service, spec] of Object.entries(entry.calls)) {
      const { env, path: urlPath } = callSpec(spec);
      if (typeof env !== 'string' || !ENV.test(env)) bad(`calls.${service}`, 'must be an environment variable name');
      if (urlPath !== undefined && (typeof urlPath !== 'string' || !urlPath.startsWith('/')))
        bad(`calls.${service}.path`, 'must be a path starting with /');
    }
  }
  if (entry.route !== undefined && (typeof entry.route !== 'string' || !/^\/[a-z][a-z0-9-]*$/.test(entry.route))) {
    bad('route', 'must be a path prefix like /loyalty (the gateway forwards /api/loyalty/* there)');
  }
  if (
    entry.publishes !== undefined &&
    (!Array.isArray(entry.publishes) || entry.publishes.some((e) => typeof e !== 'string'))
  ) {
    bad('publishes', 'must list event types');
  }
  if (entry.uses !== undefined && (!Array.isArray(entry.uses) || entry.uses.some((u) => !EMBEDDED.includes(u)))) {
    bad('uses', `must list some of ${EMBEDDED.join(', ')}`);
  }
  if (entry.traceProbe !== undefined) {
    const { method, path: probePath, headers } = entry.traceProbe ?? {};
    if (
      !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ||
      typeof probePath !== 'string' ||
      !probePath.startsWith('/')
    ) {
      bad('traceProbe', 'must be { method, path, body?, headers? }: a request that makes it call or publish');
    } else if (
      headers !== undefined &&
      (typeof headers !== 'object' || Object.values(headers).some((v) => typeof v !== 'string'))
    ) {
      bad('traceProbe.headers', 'must map header names to strings');
    }
  }
  if (entry.replicas !== undefined && (!Number.isInteger(entry.replicas) || entry.replicas < 1)) {
    bad('replicas', 'must be a positive integer (production replicas)');
  }
  return problems;
}

/**
 * One `calls` value: the variable holding the called service's URL (`"INVENTORY_URL"`), or `{ env, path }` for a
 * variable holding a URL of one of its routes (`{ "env": "JWKS_URL", "path": "/.well-known/jwks.json" }`).
 */
export const callSpec = (spec) => (typeof spec === 'string' ? { env: spec } : { env: spec?.env, path: spec?.path });

/** Orders entries so that every service comes after the services it calls (catalog order breaks ties). */
export function startOrder(entries) {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const ordered = [];
  const state = new Map();
  const visit = (entry, trail) => {
    if (state.get(entry.name) === 'done') return;
    if (state.get(entry.name) === 'visiting') {
      throw new Error(`service catalog: call cycle ${[...trail, entry.name].join(' → ')}`);
    }
    state.set(entry.name, 'visiting');
    for (const called of Object.keys(entry.calls)) visit(byName.get(called), [...trail, entry.name]);
    state.set(entry.name, 'done');
    ordered.push(entry);
  };
  for (const entry of entries) visit(entry, []);
  return ordered;
}

/**
 * Every service of the workspace, validated, in start order: `{ name, dir, kind, port, needs, database?, calls,
 * replicas?, ... }`, `dir` being its folder under services/. Throws one error listing every problem.
 */
export function loadCatalog(workspace = root) {
  const entries = [];
  const problems = [];
  const servicesDir = path.join(workspace, 'services');
  for (const dir of readdirSync(servicesDir).sort()) {
    const file = path.join(servicesDir, dir, 'package.json');
    if (!existsSync(file)) continue;
    const where = `services/${dir}/package.json`;
    const block = JSON.parse(readFileSync(file, 'utf8')).refarch;
    if (!Array.isArray(block?.services) || block.services.length === 0) {
      problems.push(`${where}: no "refarch": { "services": [...] } block (the service catalog entry)`);
      continue;
    }
    for (const entry of block.services) {
      problems.push(...problemsOf(entry, where));
      entries.push({ ...entry, dir });
    }
  }
  const names = new Map();
  const ports = new Map();
  for (const entry of entries) {
    if (names.has(entry.name)) problems.push(`service ${entry.name} is declared twice`);
    if (ports.has(entry.port))
      problems.push(`port ${entry.port} is used by ${ports.get(entry.port)} and ${entry.name}`);
    names.set(entry.name, entry);
    ports.set(entry.port, entry.name);
  }
  for (const entry of entries) {
    for (const called of Object.keys(entry.calls ?? {})) {
      if (!names.has(called)) problems.push(`${entry.name} calls ${called}, which is not in the catalog`);
    }
  }
  if (problems.length) throw new Error(`service catalog:\n  ${problems.join('\n  ')}`);
  return startOrder(entries);
}

/** The store of an entry's database: `postgres` or `mongodb` (undefined without a database). */
export const storeOf = (entry) => entry.database && (entry.database.store ?? 'postgres');

/** The image a catalog entry runs: one per service folder (the workers' roles share `refarch/workers`). */
export const imageOf = (entry) => `refarch/${entry.dir}`;

/**
 * The environment a catalog entry runs with, as `npm run stack` (and the conformance suite) give it. `ctx`:
 * `databaseUrl(name, store)` (store: `postgres` or `mongodb`), `smtpUrl` (optional), `rabbitmqUrl`, `redisUrl`, `urlOf(serviceName)`, `jwtPrivateKey`, `namespace`.
 * `{jwtPrivateKey}` and `{namespace}` in the entry's stackEnv are filled in.
 */
/** The store URL the environment gives in place of the entry's database (`STACK_ORDERS_DB_URL=mongodb://…`), if any. */
export const storeOverride = (entry) => (entry.database?.override && process.env[entry.database.override]) || undefined;

export function serviceEnvironment(entry, ctx) {
  const override = storeOverride(entry);
  const fill = (template) =>
    template.replaceAll('{jwtPrivateKey}', ctx.jwtPrivateKey).replaceAll('{namespace}', ctx.namespace ?? 'refarch');
  return {
    // Only a public entry (the gateway, the frontend) listens beyond this machine: the services behind the gateway
    // take the caller from it, so nothing else may reach them (docs/architecture.md §6).
    HOST: entry.public ? '0.0.0.0' : '127.0.0.1',
    ...(entry.kind === 'worker' ? { WORKER_ROLE: entry.role } : {}),
    ...(entry.database
      ? { [entry.database.env]: override || ctx.databaseUrl(entry.database.name, storeOf(entry)) }
      : {}),
    ...(entry.needs.includes('rabbitmq') ? { RABBITMQ_URL: ctx.rabbitmqUrl } : {}),
    ...(entry.needs.includes('redis') ? { REDIS_URL: ctx.redisUrl } : {}),
    ...(entry.uses?.includes('smtp') && ctx.smtpUrl ? { SMTP_URL: ctx.smtpUrl } : {}),
    ...Object.fromEntries(
      Object.entries(entry.calls).map(([called, spec]) => {
        const { env, path: urlPath = '' } = callSpec(spec);
        return [env, `${ctx.urlOf(called).replace(/\/$/, '')}${urlPath}`];
      }),
    ),
    ...Object.fromEntries(
      Object.entries(entry.stackEnv ?? {}).map(([variable, template]) => [variable, fill(template)]),
    ),
  };
}
