import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { callSpec, storeOf, type CatalogEntry } from '../catalog.mjs';

/** What the catalog is compared with: everything that cannot read it and so is written out. */
export interface Written {
  /** `kubectl kustomize` of k8s/base, and of each overlay. */
  base: any[];
  overlays: Record<string, any[]>;
  /** The resources of k8s/base/kustomization.yaml. */
  baseResources: string[];
  /** docker/compose.yaml, parsed. */
  compose: { services: Record<string, any> };
  /** k8s/base/postgres/databases.sh. */
  databasesSql: string;
  /** Variable names the api-gateway's configuration accepts. */
  gatewayEnv: string[];
}

export function readWritten(root: string, render: (dir: string) => any[], gatewayEnv: string[]): Written {
  const k8s = path.join(root, 'k8s');
  return {
    base: render(path.join(k8s, 'base')),
    overlays: Object.fromEntries(['microk8s', 'production'].map((o) => [o, render(path.join(k8s, 'overlays', o))])),
    baseResources: (parse(readFileSync(path.join(k8s, 'base/kustomization.yaml'), 'utf8')) as { resources: string[] })
      .resources,
    compose: parse(readFileSync(path.join(root, 'docker/compose.yaml'), 'utf8')) as Written['compose'],
    databasesSql: readFileSync(path.join(k8s, 'base/postgres/databases.sh'), 'utf8'),
    gatewayEnv,
  };
}

const find = (objects: any[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name);
/** A container's plain environment: its `env` values over the ConfigMaps it takes with `envFrom`. */
const envOf = (objects: any[], container: any): Record<string, string> => ({
  ...Object.assign(
    {},
    ...((container?.envFrom ?? []) as { configMapRef?: { name: string } }[]).map(
      (from) => (from.configMapRef && find(objects, 'ConfigMap', from.configMapRef.name)?.data) ?? {},
    ),
  ),
  ...Object.fromEntries(
    ((container?.env ?? []) as { name: string; value?: string }[]).map((e) => [e.name, e.value ?? '']),
  ),
});

/** Every place where a written list disagrees with the catalog; empty when all agree. */
export function catalogDisagreements(catalog: CatalogEntry[], written: Written): string[] {
  const problems: string[] = [];
  for (const entry of catalog) {
    const image = `refarch/${entry.dir}`;
    // Kubernetes base: a folder registered in the base, rendering a Deployment and a Service of that name.
    if (!written.baseResources.includes(entry.name)) problems.push(`k8s/base/kustomization.yaml lacks ${entry.name}`);
    const deployment = find(written.base, 'Deployment', entry.name);
    if (!deployment) {
      problems.push(`k8s/base renders no Deployment ${entry.name}`);
    } else {
      const container = deployment.spec.template.spec.containers[0];
      if (!String(container.image).startsWith(`${image}:`)) {
        problems.push(`k8s/base Deployment ${entry.name} runs ${container.image}, not ${image}`);
      }
      if (entry.role && envOf(written.base, container)['WORKER_ROLE'] !== entry.role) {
        problems.push(`k8s/base Deployment ${entry.name} does not set WORKER_ROLE=${entry.role}`);
      }
    }
    if (!find(written.base, 'Service', entry.name)) problems.push(`k8s/base renders no Service ${entry.name}`);
    // Overlays: the image is mapped to its registry and tag in each.
    for (const [overlay, objects] of Object.entries(written.overlays)) {
      const running = find(objects, 'Deployment', entry.name)?.spec.template.spec.containers[0].image as string;
      if (!running || running.startsWith(`${image}:`)) {
        problems.push(`overlay ${overlay} has no images: entry for ${image}`);
      }
    }
    // Production: the catalog's replicas, and a disruption budget when there are several.
    const production = written.overlays['production'] ?? [];
    // Where an autoscaler (HPA, KEDA ScaledObject) owns the count, the catalog's replicas are its minimum.
    const scaler = production.find(
      (o) =>
        (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') &&
        o.spec?.scaleTargetRef?.name === entry.name,
    );
    const replicas = (scaler?.spec.minReplicas ??
      scaler?.spec.minReplicaCount ??
      find(production, 'Deployment', entry.name)?.spec.replicas) as number | undefined;
    if (entry.replicas !== undefined && replicas !== entry.replicas) {
      problems.push(
        `overlay production runs ${replicas ?? 'no'} replicas of ${entry.name}, the catalog says ${entry.replicas}`,
      );
    }
    if ((entry.replicas ?? 1) > 1 && !find(production, 'PodDisruptionBudget', entry.name)) {
      problems.push(`overlay production has no PodDisruptionBudget for ${entry.name}`);
    }
    // Compose.
    const composed = written.compose.services[entry.name];
    if (!composed) problems.push(`docker/compose.yaml has no service ${entry.name}`);
    else if (entry.role && composed.environment?.WORKER_ROLE !== entry.role) {
      problems.push(`docker/compose.yaml does not set WORKER_ROLE=${entry.role} for ${entry.name}`);
    }
    // A service with a store starts after it in compose (unless its URL chooses the store: order-service).
    const store = storeOf(entry);
    if (composed && store && !entry.database?.override && !composed.depends_on?.[store]) {
      problems.push(`docker/compose.yaml: ${entry.name} does not depend on ${store}`);
    }
    // The databases PostgreSQL creates (a MongoDB database is created on first write).
    const database = entry.database?.name;
    if (store === 'postgres' && !new RegExp(`^database refarch_${database}$`, 'm').test(written.databasesSql)) {
      problems.push(`k8s/base/postgres/databases.sh does not create refarch_${database}`);
    }
  }
  // The gateway reads the URL of every service it calls.
  const gateway = catalog.find((e) => e.name === 'api-gateway');
  for (const { env: variable } of Object.values(gateway?.calls ?? {}).map(callSpec)) {
    if (!written.gatewayEnv.includes(variable)) problems.push(`the api-gateway's config has no ${variable}`);
  }
  // Nothing written lists a service the catalog does not have.
  const names = new Set(catalog.map((e) => e.name));
  for (const deployment of written.base.filter((o) => o.kind === 'Deployment')) {
    const image = String(deployment.spec.template.spec.containers[0].image);
    if (image.startsWith('refarch/') && !names.has(deployment.metadata.name)) {
      problems.push(`k8s/base has Deployment ${deployment.metadata.name}, which is not in the catalog`);
    }
  }
  return problems;
}
