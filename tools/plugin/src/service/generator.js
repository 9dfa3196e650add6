// `npx nx g @refarch/plugin:service <name> [--store postgres|mongodb|none] [--calls a,b] [--publishes e.v1] [--consumes e.v1]
// [--public]`: a new service that builds, passes its tests and the conformance suite, and is deployed — its folder,
// its catalog entry, and every list that cannot read the catalog. docs/fork-a-service.md describes the result.
import { execSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFiles, generateFiles, updateJson, writeJson } from '@nx/devkit';
import {
  regenerateNetworkPolicies,
  BASE,
  camelCase,
  catalog,
  COMPOSE,
  constCase,
  DATABASES,
  editPostgresDevPasswords,
  editText,
  editYaml,
  EVENT,
  EVENTS,
  EXAMPLES,
  GATEWAY,
  GATEWAY_CONFIGMAP,
  MARKER,
  NAME,
  IMAGE_LISTS,
  pascalCase,
  ROLE_MARKER,
  CALL_MARKER,
  WORKERS,
  WORKERS_CONFIG,
  WORKERS_MODULE,
  writeScaling,
} from '../workspace.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const STORES = ['postgres', 'mongodb', 'none'];
/** Production minimum replicas of a generated service: two, so a node drain (the PDB allows one down) never takes it out. */
const REPLICAS = 2;
const FIRST_PORT = 3010;

const list = (value) =>
  (Array.isArray(value) ? value : String(value ?? '').split(',')).map((v) => String(v).trim()).filter(Boolean);

/** The options, checked against the tree; throws one error listing every problem (and nothing is written). */
export function normalize(tree, raw) {
  const problems = [];
  const name = String(raw.name ?? '');
  const store = raw.store ?? 'postgres';
  const calls = list(raw.calls);
  const publishes = list(raw.publishes);
  const consumes = list(raw.consumes);
  const entries = catalog(tree);
  const events = tree.exists(EVENTS) ? tree.read(EVENTS, 'utf8') : '';

  const worker = Boolean(raw.worker);
  // A worker role `<name>` runs as the catalog entry `<name>-worker` from services/workers.
  const entryName = worker ? `${name}-worker` : name;
  if (!NAME.test(name) || name.length > 40) {
    problems.push(`name "${name}" must be lower-case letters and digits in dash-separated words, at most 40 long`);
  } else if (worker) {
    if (!tree.exists(WORKERS_CONFIG))
      problems.push(`--worker needs ${WORKERS} (its WORKER_ROLES in ${WORKERS_CONFIG})`);
    else if (tree.read(WORKERS_CONFIG, 'utf8').includes(`  '${name}',\n`) || tree.exists(`${WORKERS}/src/${name}`)) {
      problems.push(`role "${name}" is taken: ${WORKERS} already has it`);
    } else if (entries.some((e) => e.name === entryName) || tree.exists(`k8s/base/${entryName}`)) {
      problems.push(`name "${entryName}" is taken: a catalog entry or k8s/base/${entryName} exists`);
    }
  } else if (entries.some((e) => e.name === name) || tree.exists(`services/${name}`)) {
    problems.push(`name "${name}" is taken: services/${name} or a catalog entry of that name exists`);
  } else if (tree.exists(`k8s/base/${name}`)) {
    problems.push(`name "${name}" is taken: k8s/base/${name} exists`);
  }
  if (worker) {
    if (store !== 'postgres')
      problems.push('--worker: a worker role runs on PostgreSQL (its own database): drop --store');
    if (raw.public)
      problems.push('--worker and --public exclude each other: the gateway routes to services, not workers');
  }
  if (!STORES.includes(store)) {
    problems.push(`--store must be one of ${STORES.join(', ')}`);
  }
  for (const called of calls) {
    if (!entries.some((e) => e.name === called && e.kind !== 'static')) {
      problems.push(`--calls ${called}: no backend service of that name in the catalog`);
    }
  }
  for (const event of [...publishes, ...consumes]) {
    if (!EVENT.test(event))
      problems.push(`event "${event}" must read <context>.<name>.v<N>, e.g. loyalty.points-awarded.v1`);
  }
  for (const event of publishes) {
    if (events.includes(`'${event}':`)) problems.push(`--publishes ${event}: libs/contracts already declares it`);
  }
  for (const event of consumes) {
    if (EVENT.test(event) && !events.includes(`'${event}':`)) {
      problems.push(`--consumes ${event}: libs/contracts declares no such message (see ${EVENTS})`);
    }
  }
  if (store === 'none' && (publishes.length || consumes.length)) {
    problems.push('--publishes and --consumes need a store (--store postgres or mongodb): the outbox lives there');
  }
  if (problems.length) throw new Error(`@refarch/plugin:service: nothing written.\n  ${problems.join('\n  ')}`);

  const used = new Set(entries.map((e) => e.port));
  let port = FIRST_PORT;
  while (used.has(port)) port += 1;
  const postgres = store === 'postgres';
  const mongodb = store === 'mongodb';
  const database = name.replace(/-/g, '_');
  const route = raw.public ? `/${name}` : undefined;
  return {
    name: entryName,
    dir: worker ? 'workers' : name,
    worker,
    role: worker ? name : undefined,
    // A worker role's test uses the workers' one harness (services/workers/test/harness.ts: startRole).
    harness: 'harness',
    feature: name,
    className: pascalCase(name),
    camelName: camelCase(name),
    constName: constCase(entryName),
    database,
    dbShort: database.slice(0, 12),
    port,
    store,
    postgres,
    mongodb,
    /** It has a store and RabbitMQ (the outbox relay, readiness on both). */
    broker: postgres || mongodb,
    route,
    routeSegment: name,
    calls: calls.map((called) => ({
      name: called,
      className: pascalCase(called),
      variable: `${constCase(called)}_URL`,
      defaultUrl: `http://127.0.0.1:${entries.find((e) => e.name === called).port}`,
    })),
    publishes,
    consumes,
    consumeHandlers: consumes.map((event) => `on${pascalCase(event.replace(/\.v[0-9]+$/, ''))}`),
    stackDeps: calls,
    replicas: REPLICAS,
  };
}

function catalogEntry(o) {
  return {
    name: o.name,
    kind: o.worker ? 'worker' : 'nest',
    ...(o.worker ? { role: o.role } : {}),
    port: o.port,
    needs: o.broker ? [o.store, 'rabbitmq'] : [],
    ...(o.postgres ? { database: { name: o.database, env: 'DATABASE_URL' } } : {}),
    ...(o.mongodb ? { database: { name: o.database, env: 'DATABASE_URL', store: 'mongodb' } } : {}),
    calls: {
      ...Object.fromEntries(o.calls.map((c) => [c.name, c.variable])),
      // Routed: the gateway forwards the caller's token, which the service verifies with the user-service's keys.
      ...(o.route ? { 'user-service': { env: 'JWKS_URL', path: '/.well-known/jwks.json' } } : {}),
    },
    ...(o.consumes.length ? { consumes: true } : {}),
    ...(o.publishes.length ? { publishes: o.publishes } : {}),
    // Creating an item publishes: conformance checks that those messages continue the request's trace.
    ...(o.publishes.length
      ? { traceProbe: { method: 'POST', path: `/${o.routeSegment}/items`, body: { name: 'traced' } } }
      : {}),
    ...(o.route ? { route: o.route } : {}),
    replicas: o.replicas,
  };
}

function packageJson(o) {
  const refarch = (lib) => [`@refarch/${lib}`, '*'];
  return {
    name: `@refarch/${o.name}`,
    version: '0.1.0',
    private: true,
    type: 'module',
    description: `Generated by @refarch/plugin:service; describe what ${o.name} does here.`,
    scripts: {
      build: 'node ../../tools/build.mjs .',
      start: 'node --import @refarch/observability/register dist/main.js',
      ...(o.postgres ? { migrate: 'node dist/migrate.js' } : {}),
    },
    dependencies: Object.fromEntries([
      ['@nestjs/common', '12.5.1'],
      ['@nestjs/core', '12.5.1'],
      ...(o.consumes.length ? [['@nestjs/microservices', '12.1.1']] : []),
      ...['bootstrap', 'config', 'contracts', 'errors', 'health'].map(refarch),
      ...(o.postgres ? ['messaging', 'postgres'].map(refarch) : []),
      ...(o.mongodb ? ['messaging'].map(refarch) : []),
      ...(o.mongodb ? [['mongodb', '^7.9.0']] : []),
      ...['observability', ...(o.calls.length ? ['resilience'] : [])].map(refarch),
      ...(o.postgres ? [['pg', '^8.23.1']] : []),
      ['zod', '^4.6.7'],
    ]),
    devDependencies: { '@refarch/testing': '*' },
    nx: { tags: ['type:service'] },
    refarch: { services: [catalogEntry(o)] },
  };
}

/** Template variables of the service's sources. */
function templateVars(o) {
  const consumes = o.consumes.map((event, i) => Object.assign(new String(event), { handler: o.consumeHandlers[i] }));
  const badVariables = [
    'LOG_LEVEL',
    'PORT',
    ...o.calls.map((c) => c.variable),
    ...(o.broker ? ['DATABASE_URL', 'RABBITMQ_URL'] : []),
  ].sort();
  // The call clients read their URL from the process's config: a role's is the workers' one.
  const config = o.worker
    ? { configToken: 'WORKERS_CONFIG', configType: 'WorkersConfig' }
    : { configToken: 'SERVICE_CONFIG', configType: 'ServiceConfig' };
  return { ...o, ...config, consumes, badVariables, tmpl: '', __feature__: o.feature };
}

/** The feature slice (controller, service, repository, errors, handlers) and its call clients, in `feature`. */
function writeFeature(tree, o, vars, feature) {
  generateFiles(tree, path.join(here, 'repository'), feature, vars);
  for (const store of STORES) {
    if (store === o.store) tree.rename(`${feature}/${store}.ts`, `${feature}/${o.feature}.repository.ts`);
    else tree.delete(`${feature}/${store}.ts`);
  }
  if (o.consumes.length) tree.rename(`${feature}/handlers.ts`, `${feature}/${o.feature}.handlers.ts`);
  else tree.delete(`${feature}/handlers.ts`);
  for (const call of o.calls)
    generateFiles(tree, path.join(here, 'call'), feature, { ...vars, call, callName: call.name });
}

/** The service's folder: sources, migrations, tests, README and package.json. */
function writeServiceFolder(tree, o) {
  const target = `services/${o.dir}`;
  const vars = templateVars(o);
  generateFiles(tree, path.join(here, 'files'), target, vars);
  const feature = `${target}/src/${o.feature}`;
  writeFeature(tree, o, vars, feature);
  if (!o.postgres) {
    tree.delete(`${target}/src/migrate.ts`);
    tree.delete(`${target}/migrations`);
  }
  writeJson(tree, `${target}/package.json`, packageJson(o));
}

/** A called service's URL variable, as the generator writes it into the workers' config (remove-service finds it). */
const callVariable = (call) =>
  `/** ${call.name} (generated), called through a resilient client. */\n  ${call.variable}: env.url('http', 'https').default('${call.defaultUrl}'),`;

/**
 * `--worker`: a role of services/workers — its feature slice in `src/<role>/`, its migrations in
 * `migrations/<role>/`, its test in `test/` (on the workers' shared harness), the role in WORKER_ROLES and ROLES, its
 * catalog entry.
 */
function writeWorkerRole(tree, o) {
  const vars = templateVars(o);
  const files = path.join(here, 'files');
  generateFiles(tree, path.join(files, 'src', '__feature__'), `${WORKERS}/src/${o.feature}`, vars);
  writeFeature(tree, o, vars, `${WORKERS}/src/${o.feature}`);
  generateFiles(tree, path.join(files, 'migrations'), `${WORKERS}/migrations/${o.role}`, vars);
  const existingHarness = tree.read(`${WORKERS}/test/harness.ts`);
  generateFiles(tree, path.join(files, 'test'), `${WORKERS}/test`, vars);
  // The role's test only: the workers' harness is shared by every role and stays as it is.
  if (existingHarness) tree.write(`${WORKERS}/test/harness.ts`, existingHarness);
  else tree.delete(`${WORKERS}/test/harness.ts`);
  editText(tree, WORKERS_CONFIG, ROLE_MARKER, (text) =>
    text.replace(`  ${ROLE_MARKER}`, `  '${o.role}',\n  ${ROLE_MARKER}`),
  );
  // The URL of each service it calls, once in the workers' environment (another role may call it already).
  for (const call of o.calls) {
    editText(tree, WORKERS_CONFIG, CALL_MARKER, (text) =>
      new RegExp(`^  ${call.variable}:`, 'm').test(text)
        ? text
        : text.replace(`  ${CALL_MARKER}`, `  ${callVariable(call)}\n  ${CALL_MARKER}`),
    );
  }
  const key = /^[a-z][a-z0-9]*$/.test(o.role) ? o.role : `'${o.role}'`;
  editText(tree, WORKERS_MODULE, ROLE_MARKER, (text) => {
    const lines = text.split('\n');
    const lastImport = lines.map((line) => line.startsWith('import ')).lastIndexOf(true);
    lines.splice(lastImport + 1, 0, `import { ${o.className}Module } from './${o.feature}/${o.feature}.module.js';`);
    return lines.join('\n').replace(`  ${ROLE_MARKER}`, `  ${key}: ${o.className}Module,\n  ${ROLE_MARKER}`);
  });
  updateJson(tree, `${WORKERS}/package.json`, (json) => {
    json.refarch.services.push(catalogEntry(o));
    return json;
  });
}

/** A contract stub and an example for each event it publishes, in libs/contracts. */
function writeContracts(tree, o) {
  for (const event of o.publishes) {
    editText(tree, EVENTS, MARKER, (text) =>
      text.replace(
        `  ${MARKER}`,
        `  // ${o.name} (generated): describe what happened\n  '${event}': z.strictObject({ itemId: id, name: z.string().max(100) }),\n  ${MARKER}`,
      ),
    );
    editText(tree, EXAMPLES, MARKER, (text) =>
      text.replace(`  ${MARKER}`, `  '${event}': { itemId: 'i-1', name: 'first' },\n  ${MARKER}`),
    );
  }
}

/**
 * Its Kubernetes base folder and registrations: base, both image lists, databases.sh, and its autoscaler and PDB
 * (regenerated from the catalog, its new entry included).
 */
function writeKubernetes(tree, o) {
  generateFiles(tree, path.join(here, 'k8s'), `k8s/base/${o.name}`, { ...o, tmpl: '' });
  editYaml(tree, BASE, (doc) => {
    const resources = doc.get('resources');
    // Before the gateway, which calls the services (the order reads like the call graph).
    const at = resources.items.findIndex((item) => String(item.value ?? item) === 'api-gateway');
    resources.items.splice(at < 0 ? resources.items.length : at, 0, doc.createNode(o.name));
  });
  for (const list of IMAGE_LISTS) {
    editYaml(tree, list, (doc) => {
      const images = doc.get('images');
      const registry = String(images.items[0].get('newName')).replace(/\/refarch\/.*$/, '');
      // A worker role runs the workers' image, which is there already.
      if (!images.items.some((item) => item.get('name') === `refarch/${o.dir}`))
        images.add(
          doc.createNode({ name: `refarch/${o.dir}`, newName: `${registry}/refarch/${o.dir}`, newTag: '0.1.0' }),
        );
    });
  }
  writeScaling(tree);
  if (o.postgres) {
    editText(
      tree,
      DATABASES,
      null,
      (text) => `${text.trimEnd()}\n# ${o.name} (generated)\ndatabase refarch_${o.database}\n`,
    );
    // Its role's development password (production's comes from the secret manager: k8s/README.md).
    editPostgresDevPasswords(tree, (literals) => literals.add(`refarch_${o.database}=refarch-dev-only-${o.database}`));
  }
}

function writeCompose(tree, o) {
  const environment = [
    ...(o.worker ? [`WORKER_ROLE: ${o.role}`] : []),
    ...(o.postgres
      ? [
          `DATABASE_URL: postgres://postgres:postgres@postgres:5432/refarch_${o.database}`,
          'RABBITMQ_URL: amqp://refarch:refarch-dev-only@rabbitmq:5672',
        ]
      : []),
    ...(o.mongodb
      ? [
          `DATABASE_URL: mongodb://mongodb:27017/refarch_${o.database}?replicaSet=rs0`,
          'RABBITMQ_URL: amqp://refarch:refarch-dev-only@rabbitmq:5672',
        ]
      : []),
    'ADMIN_TOKEN: *admin-token',
    'SERVICE_TOKEN_SECRET: *service-token',
    ...o.calls.map((c) => `${c.variable}: http://${c.name}:8080`),
    ...(o.route ? ['JWKS_URL: http://user-service:8080/.well-known/jwks.json'] : []),
  ];
  const depends = [
    ...(o.broker ? [`${o.store}: { condition: service_healthy }`, 'rabbitmq: { condition: service_healthy }'] : []),
    ...o.calls.map((c) => `${c.name}: { condition: service_started }`),
  ];
  const block = [
    `  ${o.name}:`,
    '    <<: *service',
    `    build: { context: .., dockerfile: docker/service.Dockerfile, args: { SERVICE: ${o.dir} } }`,
    `    image: refarch/${o.dir}:0.1.0`,
    '    environment:',
    ...environment.map((line) => `      ${line}`),
    `    ports: ['127.0.0.1:${o.port}:8080']`,
    ...(depends.length ? ['    depends_on:', ...depends.map((line) => `      ${line}`)] : []),
    '',
    '',
  ].join('\n');
  editText(tree, COMPOSE, '\n  api-gateway:\n', (text) =>
    text.replace('\n  api-gateway:\n', `\n${block}  api-gateway:\n`),
  );
  if (o.route) {
    editText(tree, COMPOSE, '\n  api-gateway:\n', (text) => {
      const gateway = text.indexOf('\n  api-gateway:\n');
      const anchor = text.indexOf('      ADMIN_TOKEN: *admin-token\n', gateway);
      const at = anchor + '      ADMIN_TOKEN: *admin-token\n'.length;
      return `${text.slice(0, at)}      ${o.constName}_URL: http://${o.name}:8080\n${text.slice(at)}`;
    });
  }
}

/** `--public`: the gateway calls it (its catalog entry and ConfigMap); it forwards `/api/<name>/*` there. */
function writeGatewayRoute(tree, o) {
  if (!o.route) return;
  updateJson(tree, GATEWAY, (json) => {
    const entry = json.refarch.services.find((e) => e.name === 'api-gateway');
    entry.calls[o.name] = `${o.constName}_URL`;
    return json;
  });
  editYaml(tree, GATEWAY_CONFIGMAP, (doc) => doc.setIn(['data', `${o.constName}_URL`], `http://${o.name}`));
}

export default async function serviceGenerator(tree, raw) {
  const o = normalize(tree, raw);
  if (o.worker) writeWorkerRole(tree, o);
  else writeServiceFolder(tree, o);
  writeContracts(tree, o);
  writeKubernetes(tree, o);
  writeCompose(tree, o);
  writeGatewayRoute(tree, o);
  if (!raw.skipFormat) await formatFiles(tree);
  return () => {
    // The new workspace package goes into package-lock.json (`npm ci` refuses a lock that lacks it).
    if (!raw.skipInstall && !o.worker)
      execSync('npm install --no-audit --no-fund', { cwd: tree.root, stdio: 'inherit' });
    regenerateNetworkPolicies(tree.root);
    console.log(
      [
        '',
        `${o.name} is in services/${o.dir}${o.worker ? `/src/${o.role} (WORKER_ROLE=${o.role})` : ''}, port ${o.port}${o.route ? `, routed at /api${o.route}` : ''}.`,
        'Next:',
        `  npm test -- services/${o.dir}${o.worker ? `/test/${o.role}.spec.ts` : ''}     npm run conformance -- ${o.name}     npm run stack -- --only ${[...o.stackDeps, o.name].join(',')}`,
      ].join('\n'),
    );
  };
}
