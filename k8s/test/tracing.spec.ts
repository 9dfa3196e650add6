// The tracing component: in the MicroK8s overlay every service of the catalog that runs on Node (services, worker
// roles, the gateway) exports OTLP to the addon's Tempo under its own name; the image starts the SDK's entry; the
// production overlay opts out (no component).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { loadCatalog } from '../../tools/catalog.mjs';
import { render, type K8sObject } from './policy.js';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nodeServices = loadCatalog()
  .filter((e) => !e.entry)
  .map((e) => e.name);

type Container = { envFrom?: { configMapRef?: { name: string } }[]; env?: { name: string; valueFrom?: any }[] };
const deployment = (objects: K8sObject[], name: string) =>
  objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as K8sObject & {
    spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } };
  };

/** Where a Deployment's spans go, and under which name: undefined when it is not traced. */
function tracing(objects: K8sObject[], name: string) {
  const d = deployment(objects, name);
  const container = d.spec.template.spec.containers[0]!;
  const ref = container.envFrom?.find((e) => e.configMapRef?.name.startsWith('refarch-tracing'))?.configMapRef?.name;
  if (!ref) return undefined;
  const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref) as K8sObject & {
    data: Record<string, string>;
  };
  const serviceName = container.env?.find((e) => e.name === 'OTEL_SERVICE_NAME')?.valueFrom?.fieldRef?.fieldPath as
    string | undefined;
  const label = /^metadata\.labels\['(.+)'\]$/.exec(serviceName ?? '')?.[1];
  return {
    endpoint: config.data['OTEL_EXPORTER_OTLP_ENDPOINT'],
    serviceName: label && d.spec.template.metadata.labels[label],
  };
}

describe('the tracing component', () => {
  it('every Node service of the catalog exports to the addon’s Tempo under its own name (MicroK8s overlay)', () => {
    const objects = render(path.join(k8s, 'overlays/microk8s'));
    expect(nodeServices.length).toBeGreaterThan(5);
    for (const name of nodeServices)
      expect([name, tracing(objects, name)]).toEqual([
        name,
        { endpoint: 'http://tempo.observability.svc.cluster.local:4318', serviceName: name },
      ]);
    // The frontend (static files) is not a Node service of ours: untouched.
    expect(tracing(objects, 'frontend')).toBeUndefined();
  });

  it('is opt-in: the production overlay exports nothing', () => {
    const objects = render(path.join(k8s, 'overlays/production'));
    for (const name of nodeServices) expect([name, tracing(objects, name)]).toEqual([name, undefined]);
  });

  it('the image starts the tracing entry before the service (it is a no-op unless OTEL_* is set)', () => {
    const dockerfile = readFileSync(path.join(k8s, '../docker/service.Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^CMD \[.*"--import", "@refarch\/observability\/register", "dist\/main\.js"\]$/m);
  });
});
