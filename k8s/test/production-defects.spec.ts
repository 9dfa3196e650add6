// Defects a real cluster would hit that a schema cannot see, checked on the rendered overlays (each rule below
// failed on the manifests before they were fixed).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { render } from './policy.js';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const overlays = Object.fromEntries(
  ['microk8s', 'production'].map((o) => [o, render(path.join(k8s, 'overlays', o)) as any[]]),
);
/** The Deployments an autoscaler owns the replicas of: HPAs' and KEDA ScaledObjects' targets. */
const autoscaled = (objects: any[]) =>
  objects
    .filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')
    .map((o) => o.spec.scaleTargetRef.name as string);
const pods = (objects: any[]) =>
  objects
    .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
    .map((o) => ({ name: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }));

describe.each(Object.keys(overlays))('overlay %s', (overlay) => {
  const objects = overlays[overlay]!;

  it('has the public Ingress: / → frontend, /api → api-gateway', () => {
    const ingress = objects.find((o) => o.kind === 'Ingress');
    const paths = ingress?.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name]);
    expect(paths).toEqual([
      ['/api', 'api-gateway'],
      ['/', 'frontend'],
    ]);
  });

  it('re-owns volumes only on a root mismatch (RabbitMQ refuses a group-readable .erlang.cookie)', () => {
    const wrong = pods(objects)
      .filter((p) => p.spec.securityContext?.fsGroup !== undefined)
      .filter((p) => p.spec.securityContext.fsGroupChangePolicy !== 'OnRootMismatch')
      .map((p) => p.name);
    expect(wrong).toEqual([]);
  });

  it('pulls our images always (a re-pushed tag must reach the nodes)', () => {
    const wrong = pods(objects)
      .flatMap((p) => p.spec.containers.map((c: any) => ({ pod: p.name, c })))
      .filter(({ c }) => /\/refarch\/|^refarch\//.test(c.image) && c.imagePullPolicy !== 'Always')
      .map(({ pod }) => pod);
    expect(wrong).toEqual([]);
  });

  it('enforces, audits and warns on the restricted Pod Security Standard', () => {
    const labels = objects.find((o) => o.kind === 'Namespace')?.metadata.labels ?? {};
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect({ mode, level: labels[`pod-security.kubernetes.io/${mode}`] }).toEqual({ mode, level: 'restricted' });
    }
  });

  it('makes nobody the admin by default (only the refarch-admin Secret names admins)', () => {
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'user-service');
    expect(config.data.ADMIN_EMAILS ?? '').toBe('');
  });

  it('sets no replicas on a Deployment an autoscaler (HPA, KEDA) scales', () => {
    const targets = autoscaled(objects);
    const fighting = objects
      .filter((o) => o.kind === 'Deployment' && targets.includes(o.metadata.name) && o.spec.replicas !== undefined)
      .map((o) => o.metadata.name);
    expect(fighting).toEqual([]);
  });
});

describe('overlay production', () => {
  const objects = overlays['production']!;
  const targets = autoscaled(objects);
  const multi = objects.filter(
    (o) => o.kind === 'Deployment' && ((o.spec.replicas ?? 1) > 1 || targets.includes(o.metadata.name)),
  );

  it('gives every multi-replica Deployment a disruption budget, a spread over nodes and guaranteed memory', () => {
    expect(multi.length).toBeGreaterThanOrEqual(8);
    const problems = multi.flatMap((d) => {
      const name = d.metadata.name as string;
      const spec = d.spec.template.spec;
      const { requests, limits } = spec.containers[0].resources;
      return [
        ...(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name)
          ? []
          : [`${name}: no PDB`]),
        ...(spec.topologySpreadConstraints?.some((t: any) => t.topologyKey === 'kubernetes.io/hostname')
          ? []
          : [`${name}: not spread over nodes`]),
        ...(requests.memory === limits.memory
          ? []
          : [`${name}: memory request ${requests.memory} ≠ limit ${limits.memory}`]),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('lists in the README exactly the Secrets it uses but does not create', () => {
    const created = new Set(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name as string));
    const used = { required: new Set<string>(), optional: new Set<string>() };
    const visit = (node: any) => {
      if (!node || typeof node !== 'object') return;
      if (node.secretKeyRef?.name)
        used[node.secretKeyRef.optional ? 'optional' : 'required'].add(node.secretKeyRef.name);
      if (node.secret?.secretName) used[node.secret.optional ? 'optional' : 'required'].add(node.secret.secretName);
      for (const value of Object.values(node)) visit(value);
    };
    objects.forEach(visit);
    for (const name of used.required) used.optional.delete(name);
    const readme = readFileSync(path.join(k8s, '..', 'README.md'), 'utf8');
    const listed = (label: string) =>
      new Set(
        [...(new RegExp(`^- ${label}: (.*)$`, 'm').exec(readme)?.[1] ?? '').matchAll(/`([a-z0-9-]+)`/g)].map(
          (m) => m[1],
        ),
      );
    const missing = (set: Set<string>) => [...set].filter((n) => !created.has(n)).sort();
    expect([...listed('required')].sort()).toEqual(missing(used.required));
    expect([...listed('optional')].sort()).toEqual(missing(used.optional));
  });
});

describe.each(Object.keys(overlays))('overlay %s: credentials', (overlay) => {
  it('keeps PostgreSQL passwords out of connection URLs (pg reads PGPASSWORD)', () => {
    const problems = pods(overlays[overlay]!).flatMap((p) =>
      p.spec.containers.flatMap((c: any) => {
        const env = (c.env ?? []) as { name: string; value?: string; valueFrom?: any }[];
        const urls = env.filter((e) => /^postgres(ql)?:\/\//.test(e.value ?? ''));
        return urls.flatMap((u) => [
          ...(new URL(u.value!.replace(/\$\(([A-Z_]+)\)/g, 'X')).password
            ? [`${p.name}: ${u.name} carries a password`]
            : []),
          ...(env.some((e) => e.name === 'PGPASSWORD' && e.valueFrom?.secretKeyRef)
            ? []
            : [`${p.name}: no PGPASSWORD`]),
        ]);
      }),
    );
    expect(problems).toEqual([]);
  });

  it('keeps every Secret value out of URLs: no `$(VAR)` pasted into a URL, which escapes nothing', () => {
    const pasted = pods(overlays[overlay]!).flatMap((p) =>
      p.spec.containers.flatMap((c: any) =>
        ((c.env ?? []) as { name: string; value?: string }[])
          .filter((e) => /^[a-z][a-z0-9+.-]*:\/\/[^/]*\$\(/.test(e.value ?? ''))
          .map((e) => `${p.name}: ${e.name}=${e.value}`),
      ),
    );
    expect(pasted).toEqual([]);
    // The broker's client credentials: separate variables from the Secret (libs/config encodes them into the URL).
    const gateway = overlays[overlay]!.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api-gateway');
    const env = Object.fromEntries(gateway.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
    expect(env['RABBITMQ_URL'].value).toBe('amqp://rabbitmq:5672');
    expect(env['RABBITMQ_PASSWORD'].valueFrom.secretKeyRef).toEqual({
      name: expect.stringMatching(/^rabbitmq-credentials/),
      key: 'password',
    });
  });
});
