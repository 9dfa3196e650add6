// Every Kustomize Component under k8s/components, rendered on the base alone (as an overlay of yours would use it):
// it is a `kind: Component` with a README, and the result validates (kubernetes-models, the CRDs' models too) and
// meets the policy. Then what each component promises, where the overlays' tests do not already check it.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { policyViolations, render, schemaErrors, type K8sObject } from './policy.js';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const components = readdirSync(path.join(k8s, 'components')).sort();
const scratch = path.join(k8s, 'test', `.render-${process.pid}`);

/** The base with one component, rendered from a kustomization in a scratch folder next to this test. */
function withComponent(name: string): K8sObject[] {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../../base]\ncomponents: [../../../components/${name}]\n`,
  );
  return render(dir);
}

describe('k8s/components', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('has the components the docs name', () => {
    expect(components).toEqual([
      'autoscaling',
      'backup',
      'data-lake',
      'dev-secrets',
      'gitops',
      'high-availability',
      'microk8s',
      'monitoring',
      'network-policies',
      'tls',
      'tracing',
    ]);
  });

  describe.each(components)('%s, on the base alone', (name) => {
    const dir = path.join(k8s, 'components', name);
    it('is a Component with a README', () => {
      expect((parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { kind: string }).kind).toBe(
        'Component',
      );
      expect(existsSync(path.join(dir, 'README.md'))).toBe(true);
    });
    it('renders, validates and meets the policy', async () => {
      const objects = withComponent(name);
      expect(await schemaErrors(objects)).toEqual([]);
      expect(objects.flatMap(policyViolations)).toEqual([]);
    });
  });

  it('tls: the Ingress serves its host over HTTPS with a certificate of the ClusterIssuer, and redirects HTTP', () => {
    const objects = withComponent('tls') as (K8sObject & { spec: any; metadata: any })[];
    const ingress = objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'refarch')!;
    const issuer = objects.find((o) => o.kind === 'ClusterIssuer')!;
    const host = ingress.spec.rules[0].host as string;
    expect(host).toBeTruthy();
    expect(ingress.spec.tls).toEqual([{ hosts: [host], secretName: 'refarch-tls' }]);
    expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(issuer.metadata.name);
    expect(issuer.metadata.namespace).toBeUndefined(); // cluster-scoped
    // The ACME challenge is answered through the class the Ingress uses.
    expect(issuer.spec.acme.solvers[0].http01.ingress.ingressClassName).toBe(ingress.spec.ingressClassName);
    expect(ingress.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure',
    });
    // Both paths still reach their services.
    expect(ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name])).toEqual([
      ['/api', 'api-gateway'],
      ['/', 'frontend'],
    ]);
  });

  it('backup: a nightly, never-overlapping backup of both stores to the volume, with the restore Jobs suspended', () => {
    const objects = withComponent('backup') as (K8sObject & { spec: any; metadata: any; data?: any })[];
    const cron = (name: string) => objects.find((o) => o.kind === 'CronJob' && o.metadata.name === name)!;
    const podOf = (name: string) => cron(name).spec.jobTemplate.spec.template.spec;
    const backup = cron('backup');
    expect(backup.spec).toMatchObject({
      concurrencyPolicy: 'Forbid',
      schedule: expect.stringMatching(/^\d+ \d+ \* \* \*$/),
    });
    expect(backup.spec.suspend).toBeUndefined();
    // PostgreSQL first (the init container: the saga's database before the participants'), then MongoDB.
    const pod = podOf('backup');
    expect(pod.initContainers.map((c: any) => c.command)).toEqual([['sh', '/scripts/pg-backup.sh']]);
    expect(pod.containers.map((c: any) => c.command)).toEqual([['sh', '/scripts/mongo-backup.sh']]);
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.env).toContainEqual({ name: 'BACKUP_KEEP', value: '7' });
    }
    for (const [name, scripts] of [
      ['backup-restore', ['pg-restore.sh', 'mongo-restore.sh']],
      ['backup-redeliver', ['pg-redeliver.sh']],
    ] as const) {
      expect(cron(name).spec.suspend).toBe(true);
      const spec = podOf(name);
      expect([...(spec.initContainers ?? []), ...spec.containers].map((c: any) => c.command[1])).toEqual(
        scripts.map((s) => `/scripts/${s}`),
      );
    }
    // Every pod mounts the one volume and the scripts as the repository has them.
    const scripts = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('backup-scripts'))!;
    for (const name of ['backup', 'backup-restore', 'backup-redeliver']) {
      const volumes = podOf(name).volumes;
      expect(volumes).toContainEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'backups' } });
      expect(volumes).toContainEqual({
        name: 'scripts',
        configMap: { name: scripts.metadata.name, defaultMode: 0o555 },
      });
    }
    expect(objects.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === 'backups')).toBe(true);
    const dir = path.join(k8s, 'components/backup/scripts');
    for (const file of readdirSync(dir)) {
      expect(scripts.data[file]).toBe(readFileSync(path.join(dir, file), 'utf8'));
    }
  });
});
