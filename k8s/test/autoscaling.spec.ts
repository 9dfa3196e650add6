// The autoscaling and high-availability components as the production overlay renders them: every stateless HTTP
// service has an HPA, every message consumer a KEDA ScaledObject on its own queue, no Deployment both, and no
// autoscaled Deployment keeps a `replicas` of its own; every multi-replica workload a PDB. Both components are
// generated from the catalog (npm run k8s:scaling), and the committed files must be what it writes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { loadCatalog, type CatalogEntry } from '../../tools/catalog.mjs';
import { QUEUE_TARGET, scalingFiles, scalerOf } from '../../tools/k8s-scaling.mjs';
import { render } from './policy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const catalog = loadCatalog();
const production = render(path.join(root, 'k8s/overlays/production')) as any[];

/** What is wrong with the rendered objects' autoscaling and disruption budgets, as one line each. */
function scalingProblems(objects: any[], entries: CatalogEntry[]): string[] {
  const problems: string[] = [];
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const targets = (kind: string) => of(kind).map((o) => o.spec.scaleTargetRef.name as string);
  const hpas = targets('HorizontalPodAutoscaler');
  const keda = targets('ScaledObject');
  for (const name of hpas.filter((n) => keda.includes(n))) problems.push(`${name}: both an HPA and a ScaledObject`);
  for (const entry of entries.filter((e) => e.replicas !== undefined)) {
    const deployment = of('Deployment').find((d) => d.metadata.name === entry.name);
    const container = deployment?.spec.template.spec.containers[0];
    const want = scalerOf(entry);
    if (want === 'hpa' && !hpas.includes(entry.name)) problems.push(`${entry.name}: stateless HTTP, but no HPA`);
    if (want === 'keda') {
      const scaled = of('ScaledObject').find((o) => o.spec.scaleTargetRef.name === entry.name);
      const trigger = scaled?.spec.triggers?.[0];
      if (!scaled) problems.push(`${entry.name}: consumes messages, but no ScaledObject`);
      else if (trigger?.type !== 'rabbitmq' || trigger.metadata.queueName !== entry.name) {
        problems.push(`${entry.name}: its ScaledObject does not watch its queue ${entry.name}`);
      } else {
        // KEDA reads the broker credentials from the target's environment: they must be there.
        const env = new Set((container?.env ?? []).map((e: { name: string }) => e.name));
        for (const key of ['usernameFromEnv', 'passwordFromEnv']) {
          if (!env.has(trigger.metadata[key])) problems.push(`${entry.name}: no ${trigger.metadata[key]} for ${key}`);
        }
      }
    }
    if ([...hpas, ...keda].includes(entry.name) && deployment?.spec.replicas !== undefined) {
      problems.push(`${entry.name}: sets replicas: ${deployment.spec.replicas} under its autoscaler`);
    }
    if (hpas.includes(entry.name) && !container?.resources?.requests?.cpu) {
      problems.push(`${entry.name}: an HPA on CPU utilisation, but no CPU request`);
    }
    if ((entry.replicas ?? 1) > 1 && !of('PodDisruptionBudget').some((p) => p.metadata.name === entry.name)) {
      problems.push(`${entry.name}: ${entry.replicas} replicas, no PodDisruptionBudget`);
    }
  }
  return problems;
}

describe('autoscaling and high availability in production', () => {
  it('are the files npm run k8s:scaling writes from the catalog', () => {
    for (const [file, text] of Object.entries(scalingFiles(catalog))) {
      expect({ file, text: readFileSync(path.join(root, file), 'utf8') }).toEqual({ file, text });
    }
  });

  it('scale every HTTP service on CPU and every consumer on its queue, each from its catalog minimum', () => {
    expect(scalingProblems(production, catalog)).toEqual([]);
    const scaledObject = production.find((o) => o.kind === 'ScaledObject' && o.metadata.name === 'shipping-worker');
    expect(scaledObject.spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 8 });
    expect(scaledObject.spec.triggers[0].metadata).toMatchObject({ mode: 'QueueLength', value: `${QUEUE_TARGET}` });
  });

  it('finds each kind of mistake', () => {
    const copy = () => structuredClone(production);
    const broken = (edit: (objects: any[]) => void) => {
      const objects = copy();
      edit(objects);
      return scalingProblems(objects, catalog);
    };
    const named = (objects: any[], kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(broken((o) => o.splice(o.indexOf(named(o, 'HorizontalPodAutoscaler', 'payment-service')), 1))).toContain(
      'payment-service: stateless HTTP, but no HPA',
    );
    expect(
      broken((o) => {
        const hpa = structuredClone(named(o, 'HorizontalPodAutoscaler', 'user-service'));
        hpa.spec.scaleTargetRef.name = 'saga-orchestrator';
        o.push(hpa);
      }),
    ).toContain('saga-orchestrator: both an HPA and a ScaledObject');
    expect(
      broken((o) => (named(o, 'ScaledObject', 'notification-worker').spec.triggers[0].metadata.queueName = 'other')),
    ).toContain('notification-worker: its ScaledObject does not watch its queue notification-worker');
    expect(
      broken((o) => {
        const container = named(o, 'Deployment', 'analytics-worker').spec.template.spec.containers[0];
        container.env = container.env.filter((e: { name: string }) => e.name !== 'RABBITMQ_PASSWORD');
      }),
    ).toContain('analytics-worker: no RABBITMQ_PASSWORD for passwordFromEnv');
    expect(broken((o) => (named(o, 'Deployment', 'order-service').spec.replicas = 5))).toContain(
      'order-service: sets replicas: 5 under its autoscaler',
    );
    expect(broken((o) => o.splice(o.indexOf(named(o, 'PodDisruptionBudget', 'frontend')), 1))).toContain(
      'frontend: 3 replicas, no PodDisruptionBudget',
    );
  });

  it('spreads every Deployment over nodes, preferring nodes without a pod of the same workload', () => {
    for (const deployment of production.filter((o) => o.kind === 'Deployment')) {
      const spec = deployment.spec.template.spec;
      const term =
        spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm;
      expect({ name: deployment.metadata.name, key: term?.topologyKey, keys: term?.matchLabelKeys }).toEqual({
        name: deployment.metadata.name,
        key: 'kubernetes.io/hostname',
        keys: ['app.kubernetes.io/name'],
      });
    }
    for (const pdb of production.filter((o) => o.kind === 'PodDisruptionBudget')) {
      expect({ name: pdb.metadata.name, spec: pdb.spec.maxUnavailable }).toEqual({ name: pdb.metadata.name, spec: 1 });
    }
  });
});
