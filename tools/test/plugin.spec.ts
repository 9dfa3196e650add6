// The service and remove-service generators on Nx's in-memory tree (createTreeWithEmptyWorkspace), seeded with the
// files of this workspace they read and edit. tools/test/plugin-e2e.spec.ts builds, tests and runs the result.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import type { Tree } from '@nx/devkit';
import { parse, parseAllDocuments } from 'yaml';
import { root } from '../catalog.mjs';
import serviceGenerator from '../plugin/src/service/generator.js';
import removeServiceGenerator from '../plugin/src/remove-service/generator.js';

/** What the generators touch outside a new service's folder. */
const SEEDED = [
  'k8s/base/kustomization.yaml',
  'k8s/base/api-gateway/configmap.yaml',
  'k8s/base/postgres/databases.sh',
  'k8s/components/dev-secrets/kustomization.yaml',
  'k8s/components/microk8s/kustomization.yaml',
  'k8s/overlays/production/kustomization.yaml',
  'k8s/components/autoscaling/autoscalers.yaml',
  'k8s/components/autoscaling/kustomization.yaml',
  'k8s/components/high-availability/pdb.yaml',
  'docker/compose.yaml',
  'libs/contracts/src/events.ts',
  'libs/contracts/src/examples.ts',
  'services/workers/src/config.ts',
  'services/workers/src/app.module.ts',
  'services/workers/test/harness.ts',
  ...readdirSync(path.join(root, 'services'))
    .map((dir) => `services/${dir}/package.json`)
    .filter((file) => statSync(path.join(root, file), { throwIfNoEntry: false })),
];

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  for (const file of SEEDED) tree.write(file, readFileSync(path.join(root, file), 'utf8'));
  return tree;
}
const snapshot = (tree: Tree) => Object.fromEntries(SEEDED.map((file) => [file, tree.read(file, 'utf8')]));
const generate = (tree: Tree, options: Record<string, unknown>) =>
  serviceGenerator(tree, { skipInstall: true, skipFormat: true, ...options });

describe('@refarch/plugin:service', () => {
  it('writes the folder, the catalog entry and every registration of a public postgres service', async () => {
    const tree = workspace();
    await generate(tree, { name: 'loyalty', store: 'postgres', consumes: 'orders.order-approved.v1', public: true });

    for (const file of [
      'README.md',
      'src/main.ts',
      'src/app.module.ts',
      'src/config.ts',
      'src/migrate.ts',
      'src/loyalty/loyalty.controller.ts',
      'src/loyalty/loyalty.service.ts',
      'src/loyalty/loyalty.repository.ts',
      'src/loyalty/loyalty.errors.ts',
      'src/loyalty/loyalty.handlers.ts',
      'src/loyalty/loyalty.service.spec.ts',
      'migrations/001_create_items.sql',
      'test/harness.ts',
      'test/loyalty.spec.ts',
    ]) {
      expect([file, tree.exists(`services/loyalty/${file}`)]).toEqual([file, true]);
    }
    expect(tree.read('services/loyalty/src/loyalty/loyalty.handlers.ts', 'utf8')).toContain(
      "@OnMessage('orders.order-approved.v1')",
    );
    const pkg = JSON.parse(tree.read('services/loyalty/package.json', 'utf8')!);
    expect(pkg.refarch.services).toEqual([
      {
        name: 'loyalty',
        kind: 'nest',
        port: 3010,
        needs: ['postgres', 'rabbitmq'],
        database: { name: 'loyalty', env: 'DATABASE_URL' },
        // Routed: it verifies the callers' tokens the gateway forwards, with the user-service's keys.
        calls: { 'user-service': { env: 'JWKS_URL', path: '/.well-known/jwks.json' } },
        consumes: true,
        route: '/loyalty',
        replicas: 2,
      },
    ]);

    expect(parse(tree.read('k8s/base/kustomization.yaml', 'utf8')!).resources).toContain('loyalty');
    expect(tree.read('k8s/base/loyalty/deployment.yaml', 'utf8')).toContain('refarch_loyalty');
    for (const list of ['components/microk8s', 'overlays/production']) {
      const images = parse(tree.read(`k8s/${list}/kustomization.yaml`, 'utf8')!).images;
      expect(images.map((i: { name: string }) => i.name)).toContain('refarch/loyalty');
    }
    // It consumes messages: KEDA scales it on its queue, from the catalog's 2 replicas; its PDB lets one go.
    const docs = (file: string) => parseAllDocuments(tree.read(file, 'utf8')!).map((d) => d.toJS());
    const scaler = docs('k8s/components/autoscaling/autoscalers.yaml').find((o) => o.metadata.name === 'loyalty');
    expect(scaler).toMatchObject({ kind: 'ScaledObject', spec: { minReplicaCount: 2 } });
    expect(scaler.spec.triggers[0].metadata.queueName).toBe('loyalty');
    expect(tree.read('k8s/components/autoscaling/kustomization.yaml', 'utf8')).toContain(
      'target: { kind: Deployment, name: loyalty }',
    );
    const pdbs = docs('k8s/components/high-availability/pdb.yaml');
    expect(pdbs.find((p) => p.metadata.name === 'loyalty')?.spec.maxUnavailable).toBe(1);
    expect(tree.read('k8s/base/postgres/databases.sh', 'utf8')).toMatch(/^database refarch_loyalty$/m);
    expect(tree.read('k8s/components/dev-secrets/kustomization.yaml', 'utf8')).toContain(
      '- refarch_loyalty=refarch-dev-only-loyalty',
    );
    const compose = parse(tree.read('docker/compose.yaml', 'utf8')!, { merge: true });
    expect(compose.services.loyalty.ports).toEqual(['127.0.0.1:3010:8080']);
    expect(compose.services['api-gateway'].environment.LOYALTY_URL).toBe('http://loyalty:8080');
    const gateway = JSON.parse(tree.read('services/api-gateway/package.json', 'utf8')!).refarch.services[0];
    expect(gateway.calls.loyalty).toBe('LOYALTY_URL');
    expect(parse(tree.read('k8s/base/api-gateway/configmap.yaml', 'utf8')!).data.LOYALTY_URL).toBe('http://loyalty');
  });

  it('adds a contract stub and an example for each published event, and a client for each called service', async () => {
    const tree = workspace();
    await generate(tree, { name: 'rewards', publishes: 'rewards.points-awarded.v1', calls: 'user-service' });
    expect(tree.read('libs/contracts/src/events.ts', 'utf8')).toMatch(/^ {2}'rewards\.points-awarded\.v1': z\./m);
    expect(tree.read('libs/contracts/src/examples.ts', 'utf8')).toMatch(/^ {2}'rewards\.points-awarded\.v1': \{/m);
    expect(tree.read('services/rewards/src/rewards/user-service.client.ts', 'utf8')).toContain(
      "clients.create('user-service', config.USER_SERVICE_URL)",
    );
    expect(tree.read('services/rewards/src/config.ts', 'utf8')).toContain("USER_SERVICE_URL: env.url('http', 'https')");
    expect(JSON.parse(tree.read('services/rewards/package.json', 'utf8')!).refarch.services[0].traceProbe).toEqual({
      method: 'POST',
      path: '/rewards/items',
      body: { name: 'traced' },
    });
    // Not public: the gateway is left alone.
    expect(tree.read('services/api-gateway/package.json', 'utf8')).not.toContain('REWARDS_URL');
  });

  it('writes a store-less service without migrations, database or broker', async () => {
    const tree = workspace();
    await generate(tree, { name: 'echo', store: 'none' });
    expect(tree.exists('services/echo/migrations')).toBe(false);
    expect(tree.exists('services/echo/src/migrate.ts')).toBe(false);
    expect(JSON.parse(tree.read('services/echo/package.json', 'utf8')!).refarch.services[0].needs).toEqual([]);
    expect(tree.read('k8s/base/echo/deployment.yaml', 'utf8')).not.toContain('DATABASE_URL');
    expect(tree.read('k8s/base/postgres/databases.sh', 'utf8')).not.toContain('refarch_echo');
  });

  it('writes a service on MongoDB: its store, outbox in the document, idempotent handlers, no migrations', async () => {
    const tree = workspace();
    await generate(tree, {
      name: 'wishlist',
      store: 'mongodb',
      publishes: 'wishlist.item-added.v1',
      consumes: 'orders.order-approved.v1',
    });
    const entry = JSON.parse(tree.read('services/wishlist/package.json', 'utf8')!).refarch.services[0];
    expect(entry).toMatchObject({
      needs: ['mongodb', 'rabbitmq'],
      database: { name: 'wishlist', env: 'DATABASE_URL', store: 'mongodb' },
    });
    expect(tree.exists('services/wishlist/migrations')).toBe(false);
    expect(tree.exists('services/wishlist/src/migrate.ts')).toBe(false);
    expect(tree.read('services/wishlist/src/app.module.ts', 'utf8')).toContain('mongoServiceInfrastructure({');
    expect(tree.read('services/wishlist/src/config.ts', 'utf8')).toContain(
      "DATABASE_URL: env.url('mongodb', 'mongodb+srv')",
    );
    const repository = tree.read('services/wishlist/src/wishlist/wishlist.repository.ts', 'utf8')!;
    expect(repository).toContain('...mongoOutbox(events)');
    expect(repository).toContain('{ upsert: true }');
    expect(tree.read('services/wishlist/src/wishlist/wishlist.handlers.ts', 'utf8')).toContain(
      'this.repository.record(context.envelope)',
    );
    expect(tree.read('k8s/base/wishlist/deployment.yaml', 'utf8')).toContain(
      'mongodb://mongodb-0.mongodb:27017/refarch_wishlist?replicaSet=rs0',
    );
    // MongoDB makes its database on first write: nothing for PostgreSQL.
    expect(tree.read('k8s/base/postgres/databases.sh', 'utf8')).not.toContain('refarch_wishlist');
    const compose = parse(tree.read('docker/compose.yaml', 'utf8')!, { merge: true }).services.wishlist;
    expect(Object.keys(compose.depends_on)).toEqual(['mongodb', 'rabbitmq']);
    expect(compose.environment.DATABASE_URL).toBe('mongodb://mongodb:27017/refarch_wishlist?replicaSet=rs0');
    const pkg = JSON.parse(tree.read('services/wishlist/package.json', 'utf8')!);
    expect(pkg.dependencies).toHaveProperty('mongodb');
    expect(pkg.dependencies).not.toHaveProperty('pg');
  });

  it.each([
    [{ name: 'Loyalty' }, 'must be lower-case'],
    [{ name: 'user-service' }, 'is taken'],
    [{ name: 'loyalty', consumes: 'orders.no-such-event.v1' }, 'declares no such message'],
    [{ name: 'loyalty', publishes: 'orders.order-created.v1' }, 'already declares it'],
    [{ name: 'loyalty', publishes: 'not an event' }, 'must read <context>.<name>.v<N>'],
    [{ name: 'loyalty', calls: 'nobody' }, 'no backend service of that name'],
    [{ name: 'loyalty', store: 'none', consumes: 'orders.order-approved.v1' }, 'need a store'],
    [{ name: 'points', worker: true, store: 'mongodb' }, 'a worker role runs on PostgreSQL'],
    [{ name: 'loyalty', store: 'sqlite' }, '--store must be one of'],
  ])('refuses %j with a clear error and writes nothing', async (options, message) => {
    const tree = workspace();
    const before = tree.listChanges().length;
    await expect(generate(tree, options)).rejects.toThrow(message);
    expect(tree.listChanges().length).toBe(before);
  });

  it('writes a worker role into services/workers: its slice, migrations, test, role lists, catalog entry, k8s', async () => {
    const tree = workspace();
    const images = (list: string) => tree.read(`k8s/${list}/kustomization.yaml`, 'utf8')!;
    const imagesBefore = ['components/microk8s', 'overlays/production'].map(images);
    const rolesBefore = JSON.parse(tree.read('services/workers/package.json', 'utf8')!).refarch.services.map(
      (e: { name: string }) => e.name,
    );
    await generate(tree, { name: 'reminder', worker: true, consumes: 'orders.order-approved.v1' });
    for (const file of [
      'src/reminder/reminder.module.ts',
      'src/reminder/reminder.handlers.ts',
      'src/reminder/reminder.repository.ts',
      'migrations/reminder/001_create_items.sql',
      'test/reminder.spec.ts',
    ]) {
      expect(tree.exists(`services/workers/${file}`)).toBe(true);
    }
    expect(tree.exists('services/reminder')).toBe(false);
    // Its test starts it through the workers' one harness, which the generator leaves as it is.
    expect(tree.read('services/workers/test/reminder.spec.ts', 'utf8')).toContain("startRole('reminder', postgresUrl");
    expect(tree.exists('services/workers/test/reminder.harness.ts')).toBe(false);
    expect(tree.read('services/workers/test/harness.ts', 'utf8')).toBe(
      readFileSync(path.join(root, 'services/workers/test/harness.ts'), 'utf8'),
    );
    expect(tree.read('services/workers/src/config.ts', 'utf8')).toMatch(/\n {2}'reminder',\n {2}\/\/ generated roles/);
    const app = tree.read('services/workers/src/app.module.ts', 'utf8')!;
    expect(app).toContain("import { ReminderModule } from './reminder/reminder.module.js';");
    expect(app).toContain('  reminder: ReminderModule,\n');
    const entries = JSON.parse(tree.read('services/workers/package.json', 'utf8')!).refarch.services;
    expect(entries.map((e: { name: string }) => e.name)).toEqual([...rolesBefore, 'reminder-worker']);
    expect(entries.at(-1)).toMatchObject({ kind: 'worker', role: 'reminder', database: { name: 'reminder' } });
    expect(parse(tree.read('k8s/base/reminder-worker/configmap.yaml', 'utf8')!).data.WORKER_ROLE).toBe('reminder');
    expect(tree.read('k8s/base/reminder-worker/deployment.yaml', 'utf8')).toContain('image: refarch/workers:0.1.0');
    const compose = parse(tree.read('docker/compose.yaml', 'utf8')!).services['reminder-worker'];
    expect(compose.environment.WORKER_ROLE).toBe('reminder');
    expect(compose.build.args.SERVICE).toBe('workers');
    // The workers' image is registered once, whatever the number of roles.
    expect(images('components/microk8s')).toBe(imagesBefore[0]);
    expect(images('overlays/production')).toBe(imagesBefore[1]);
    expect(tree.read('k8s/components/autoscaling/autoscalers.yaml', 'utf8')).toContain(
      'kind: ScaledObject\nmetadata:\n  name: reminder-worker\n',
    );
    expect(tree.read('k8s/base/postgres/databases.sh', 'utf8')).toContain('database refarch_reminder\n');
  });

  it.each([
    [{ name: 'shipping', worker: true }, 'role "shipping" is taken'],
    [{ name: 'mailer', worker: true, calls: 'nobody' }, '--calls nobody: no backend service of that name'],
    [{ name: 'mailer', worker: true, public: true }, '--worker and --public exclude each other'],
    [{ name: 'mailer', worker: true, store: 'none' }, 'a worker role runs on PostgreSQL'],
  ])('refuses the worker role %j with a clear error and writes nothing', async (options, message) => {
    const tree = workspace();
    const before = tree.listChanges().length;
    await expect(generate(tree, options)).rejects.toThrow(message);
    expect(tree.listChanges().length).toBe(before);
  });

  it("gives a worker role that calls services their clients, on the workers' config, each URL declared once", async () => {
    const tree = workspace();
    await generate(tree, { name: 'reminder', worker: true, calls: 'user-service,payment-service' });
    await generate(tree, { name: 'nudger', worker: true, calls: 'user-service' });
    const client = tree.read('services/workers/src/reminder/user-service.client.ts', 'utf8')!;
    expect(client).toContain("import { WORKERS_CONFIG, type WorkersConfig } from '../config.js';");
    expect(client).toContain("clients.create('user-service', config.USER_SERVICE_URL)");
    expect(tree.read('services/workers/src/reminder/reminder.module.ts', 'utf8')).toContain('UserServiceClient');
    const config = tree.read('services/workers/src/config.ts', 'utf8')!;
    expect(
      config.match(/^ {2}USER_SERVICE_URL: env\.url\('http', 'https'\)\.default\('http:\/\/127\.0\.0\.1:3001'\),$/gm),
    ).toHaveLength(1);
    expect(config).toMatch(/ {2}PAYMENT_SERVICE_URL: [^\n]*\n {2}\/\/ generated calls/);
    const entries = JSON.parse(tree.read('services/workers/package.json', 'utf8')!).refarch.services;
    expect(entries.find((e: { name: string }) => e.name === 'reminder-worker').calls).toEqual({
      'user-service': 'USER_SERVICE_URL',
      'payment-service': 'PAYMENT_SERVICE_URL',
    });
    expect(parse(tree.read('k8s/base/reminder-worker/configmap.yaml', 'utf8')!).data).toMatchObject({
      USER_SERVICE_URL: 'http://user-service',
      PAYMENT_SERVICE_URL: 'http://payment-service',
    });
    const compose = parse(tree.read('docker/compose.yaml', 'utf8')!, { merge: true }).services['reminder-worker'];
    expect(compose.environment.USER_SERVICE_URL).toBe('http://user-service:8080');
    expect(Object.keys(compose.depends_on)).toEqual(expect.arrayContaining(['user-service', 'payment-service']));
  });

  it('picks the first free port', async () => {
    const tree = workspace();
    await generate(tree, { name: 'first', store: 'none' });
    await generate(tree, { name: 'second', store: 'none' });
    const port = (name: string) =>
      JSON.parse(tree.read(`services/${name}/package.json`, 'utf8')!).refarch.services[0].port as number;
    expect([port('first'), port('second')]).toEqual([3010, 3011]);
  });
});

describe('@refarch/plugin:remove-service', () => {
  it('takes a generated service out again: every file it edited is as before', async () => {
    const tree = workspace();
    const before = snapshot(tree);
    await generate(tree, {
      name: 'loyalty',
      consumes: 'orders.order-approved.v1',
      publishes: 'loyalty.points-awarded.v1',
      calls: 'user-service',
      public: true,
    });
    await generate(tree, { name: 'echo', store: 'none' });
    await generate(tree, { name: 'wishlist', store: 'mongodb', publishes: 'wishlist.item-added.v1' });
    for (const name of ['loyalty', 'echo', 'wishlist'])
      await removeServiceGenerator(tree, { name, skipInstall: true, skipFormat: true });
    expect(snapshot(tree)).toEqual(before);
    expect(tree.exists('services/loyalty')).toBe(false);
    expect(tree.exists('k8s/base/loyalty')).toBe(false);
  });

  it('takes a generated worker role out of services/workers again, leaving the other roles and the image', async () => {
    const tree = workspace();
    const before = snapshot(tree);
    await generate(tree, { name: 'reminder', worker: true, consumes: 'orders.order-approved.v1' });
    await removeServiceGenerator(tree, { name: 'reminder-worker', skipInstall: true, skipFormat: true });
    expect(snapshot(tree)).toEqual(before);
    expect(tree.exists('services/workers/src/reminder')).toBe(false);
    expect(tree.exists('services/workers/test/reminder.spec.ts')).toBe(false);
    expect(tree.exists('k8s/base/reminder-worker')).toBe(false);
  });

  it("keeps a called service's URL in the workers' config while another role calls it, and drops it with the last", async () => {
    const tree = workspace();
    const before = snapshot(tree);
    await generate(tree, { name: 'reminder', worker: true, calls: 'user-service,payment-service' });
    await generate(tree, { name: 'nudger', worker: true, calls: 'user-service' });
    await removeServiceGenerator(tree, { name: 'reminder-worker', skipInstall: true, skipFormat: true });
    const config = tree.read('services/workers/src/config.ts', 'utf8')!;
    expect(config).toContain('  USER_SERVICE_URL:');
    expect(config).not.toContain('PAYMENT_SERVICE_URL');
    await removeServiceGenerator(tree, { name: 'nudger-worker', skipInstall: true, skipFormat: true });
    expect(snapshot(tree)).toEqual(before);
  });

  it('refuses an unknown service, and one that another service calls', async () => {
    const tree = workspace();
    await expect(removeServiceGenerator(tree, { name: 'nobody', skipInstall: true, skipFormat: true })).rejects.toThrow(
      'no service "nobody"',
    );
    await expect(
      removeServiceGenerator(tree, { name: 'inventory-service', skipInstall: true, skipFormat: true }),
    ).rejects.toThrow('call inventory-service: take that out first');
    expect(tree.exists('services/inventory-service/package.json')).toBe(true);
  });
});
