import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { render } from '../../k8s/test/policy.js';
import { gatewayEnv, UPSTREAMS } from '../../services/api-gateway/src/config.js';
import { callSpec, loadCatalog, root, serviceEnvironment, type CatalogEntry } from '../catalog.mjs';
import { catalogDisagreements, readWritten } from './catalog-agreement.js';

const catalog = loadCatalog();
const written = readWritten(root, render, Object.keys(gatewayEnv.shape));

describe('the service catalog', () => {
  it('declares every service, each after the services it calls', () => {
    expect(catalog.map((e) => e.name)).toEqual(
      expect.arrayContaining(['user-service', 'order-service', 'saga-orchestrator', 'shipping-worker', 'frontend']),
    );
    const position = new Map(catalog.map((e, i) => [e.name, i]));
    for (const entry of catalog) {
      for (const called of Object.keys(entry.calls))
        expect(position.get(called)).toBeLessThan(position.get(entry.name)!);
    }
  });

  it('agrees with everything written from it: k8s base and overlays, compose, databases.sh, the gateway', () => {
    expect(catalogDisagreements(catalog, written)).toEqual([]);
  });

  it('finds a service missing from every written list, and a replica count that differs', () => {
    const extra: CatalogEntry = {
      name: 'rewards-service',
      dir: 'rewards-service',
      kind: 'nest',
      port: 3010,
      needs: ['postgres'],
      database: { name: 'rewards', env: 'DATABASE_URL' },
      calls: {},
      replicas: 2,
    };
    const changed = catalog.map((e) => (e.name === 'order-service' ? { ...e, replicas: 4 } : e));
    expect(catalogDisagreements([...changed, extra], written)).toEqual([
      'overlay production runs 5 replicas of order-service, the catalog says 4',
      'k8s/base/kustomization.yaml lacks rewards-service',
      'k8s/base renders no Deployment rewards-service',
      'k8s/base renders no Service rewards-service',
      'overlay microk8s has no images: entry for refarch/rewards-service',
      'overlay production has no images: entry for refarch/rewards-service',
      'overlay production runs no replicas of rewards-service, the catalog says 2',
      'overlay production has no PodDisruptionBudget for rewards-service',
      'docker/compose.yaml has no service rewards-service',
      'k8s/base/postgres/databases.sh does not create refarch_rewards',
    ]);
  });

  it('holds a service on MongoDB to its store in compose, and creates no PostgreSQL database for it', () => {
    const rewardsMongo: CatalogEntry = {
      name: 'rewards-mongo',
      dir: 'rewards-mongo',
      kind: 'nest',
      port: 3999,
      needs: ['mongodb', 'rabbitmq'],
      database: { name: 'rewards_mongo', env: 'DATABASE_URL', store: 'mongodb' },
      calls: {},
    };
    const withCompose = (dependsOn: Record<string, unknown>) => ({
      ...written,
      compose: { services: { ...written.compose.services, 'rewards-mongo': { depends_on: dependsOn } } },
    });
    const problems = (dependsOn: Record<string, unknown>) =>
      catalogDisagreements([...catalog, rewardsMongo], withCompose(dependsOn)).filter((p) => !p.includes('k8s/base'));
    expect(problems({ rabbitmq: {} })).toEqual([
      'overlay microk8s has no images: entry for refarch/rewards-mongo',
      'overlay production has no images: entry for refarch/rewards-mongo',
      'docker/compose.yaml: rewards-mongo does not depend on mongodb',
    ]);
    expect(problems({ mongodb: {}, rabbitmq: {} })).not.toContain(
      'docker/compose.yaml: rewards-mongo does not depend on mongodb',
    );
  });

  it('lists every problem of a bad entry in one error', () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'refarch-catalog-'));
    try {
      cpSync(path.join(root, 'services/user-service/package.json'), path.join(workspace, 'services/a/package.json'), {
        recursive: true,
      });
      const file = path.join(workspace, 'services/a/package.json');
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      pkg.refarch.services[0] = {
        name: 'Bad Name',
        kind: 'lambda',
        port: 0,
        needs: ['kafka'],
        database: { name: 'a', env: 'A_URL', store: 'redis' },
        uses: ['fax'],
        calls: { nope: 'x' },
      };
      writeFileSync(file, JSON.stringify(pkg));
      cpSync(path.join(root, 'services/api-gateway/package.json'), path.join(workspace, 'services/b/package.json'));
      const b = JSON.parse(readFileSync(path.join(workspace, 'services/b/package.json'), 'utf8'));
      delete b.refarch;
      writeFileSync(path.join(workspace, 'services/b/package.json'), JSON.stringify(b));
      let message = '';
      try {
        loadCatalog(workspace);
      } catch (error) {
        message = (error as Error).message;
      }
      for (const expected of [
        'services/a/package.json: name must be lower-case letters, digits and -',
        'services/a/package.json: kind must be one of nest, worker, static',
        'services/a/package.json: port must be a port number',
        'services/a/package.json: needs must list some of postgres, mongodb, redis, rabbitmq',
        'services/a/package.json: database.store must be one of postgres, mongodb',
        'services/a/package.json: uses must list some of smtp, s3',
        'services/a/package.json: calls.nope must be an environment variable name',
        'Bad Name calls nope, which is not in the catalog',
        'services/b/package.json: no "refarch": { "services": [...] } block',
      ]) {
        expect(message).toContain(expected);
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it("gives the api-gateway its upstreams: the catalog's calls, defaulting to each service's port", () => {
    const gateway = catalog.find((e) => e.name === 'api-gateway')!;
    expect(UPSTREAMS).toEqual(
      Object.entries(gateway.calls).map(([name, spec]) => ({
        name,
        variable: callSpec(spec).env,
        defaultUrl: `http://127.0.0.1:${catalog.find((e) => e.name === name)!.port}`,
        ...(catalog.find((e) => e.name === name)!.route ? { route: catalog.find((e) => e.name === name)!.route } : {}),
      })),
    );
  });

  it('lets only the public entries listen beyond loopback in the stack', () => {
    const ctx = {
      databaseUrl: (name: string) => `postgres://h/${name}`,
      rabbitmqUrl: 'amqp://h',
      redisUrl: 'redis://h',
      urlOf: (name: string) => `http://127.0.0.1/${name}`,
      jwtPrivateKey: 'k',
    };
    const hosts = Object.fromEntries(catalog.map((e) => [e.name, serviceEnvironment(e, ctx)['HOST']]));
    expect(hosts).toEqual(
      Object.fromEntries(
        catalog.map((e) => [e.name, ['api-gateway', 'frontend'].includes(e.name) ? '0.0.0.0' : '127.0.0.1']),
      ),
    );
  });

  it('drives npm run stack: its services, in the catalog order', () => {
    const help = execFileSync(process.execPath, [path.join(root, 'tools/stack.mjs'), '--help'], { encoding: 'utf8' });
    expect(/^services: (.*)$/m.exec(help)?.[1]).toBe(catalog.map((e) => e.name).join(', '));
  });
});
