// The network-policies component: from the rendered production overlay, which workload can reach which (and on which
// port), computed by evaluating the NetworkPolicies as a CNI would; compared with what is needed — the catalog's call
// graph between pods, each workload's configured stores and sinks, the ingress controller to the public entries, the
// observability namespace to the metrics ports. Every needed edge is allowed and every allowed edge is needed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { loadCatalog } from '../../tools/catalog.mjs';
import {
  connections,
  INGRESS_NAMESPACE,
  OBSERVABILITY_NAMESPACE,
  podTemplate,
  POLICIES,
  policiesYaml,
  renderedWorkloads,
} from '../../tools/network-policies.mjs';
import { render, type K8sObject } from './policy.js';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { protocol?: string; port?: string | number }[];
}
interface Policy {
  metadata: { name: string };
  spec: { podSelector: Selector; policyTypes: string[]; ingress?: Rule[]; egress?: Rule[] };
}
/** A workload of the namespace, or a namespace outside it (its pods are all alike here). */
interface Endpoint {
  name: string;
  namespace: string;
  labels: Labels;
  ports: Map<string, number>;
}

function matches(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e) =>
    e.operator === 'In'
      ? (e.values ?? []).includes(labels[e.key]!)
      : e.operator === 'NotIn'
        ? !(e.values ?? []).includes(labels[e.key]!)
        : e.operator === 'Exists'
          ? e.key in labels
          : !(e.key in labels),
  );
  return byLabel && byExpression;
}

/** Whether a rule's peer list admits `other` (seen from a pod of the refarch namespace). */
function peerAdmits(peers: Peer[] | undefined, other: Endpoint): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((p) => {
    if (p.ipBlock) return other.namespace === 'internet';
    const nsLabels = { 'kubernetes.io/metadata.name': other.namespace };
    const inNamespace = p.namespaceSelector ? matches(p.namespaceSelector, nsLabels) : other.namespace === 'refarch';
    return inNamespace && (p.podSelector ? matches(p.podSelector, other.labels) : true);
  });
}

/** Whether a rule's ports admit `port` of `target` (a named port resolves on the destination's containers). */
function portAdmits(rule: Rule, port: number, target: Endpoint): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => (typeof p.port === 'string' ? target.ports.get(p.port) === port : p.port === port));
}

function allowed(policies: Policy[], from: Endpoint, to: Endpoint, port: number): boolean {
  const side = (pod: Endpoint, type: 'Ingress' | 'Egress', other: Endpoint) => {
    if (pod.namespace !== 'refarch') return true; // other namespaces' policies are theirs
    const selecting = policies.filter(
      (p) => p.spec.policyTypes.includes(type) && matches(p.spec.podSelector, pod.labels),
    );
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
      (type === 'Ingress' ? p.spec.ingress : p.spec.egress)?.some(
        (r) => peerAdmits(type === 'Ingress' ? r.from : r.to, other) && portAdmits(r, port, to),
      ),
    );
  };
  return side(from, 'Egress', to) && side(to, 'Ingress', from);
}

/** SMTP, SMTPS, submission, HTTPS: what a workload might reach beyond the cluster. */
const EXTERNAL_PORTS = [25, 465, 587, 443, 80];
const EXTERNAL_USES: Record<string, number[]> = { smtp: [25, 465, 587], s3: [443] };

const outside = (namespace: string, ports: [string, number][] = []): Endpoint => ({
  name: `ns:${namespace}`,
  namespace,
  labels: {},
  ports: new Map(ports),
});

function endpoints(objects: K8sObject[]): Endpoint[] {
  return objects
    .filter((o) => podTemplate(o))
    .map((o) => {
      const template = podTemplate(o) as { metadata: { labels: Labels }; spec: { containers: any[] } };
      return {
        name: o.metadata.name,
        namespace: 'refarch',
        labels: template.metadata.labels,
        ports: new Map(
          template.spec.containers.flatMap((c) => (c.ports ?? []).map((p: any) => [p.name, p.containerPort] as const)),
        ),
      };
    });
}

/** Every allowed `from → to:port`, over the workloads, the two addon namespaces and the outside world. */
function allowedEdges(objects: K8sObject[], policies: Policy[]): Set<string> {
  const pods = endpoints(objects);
  const observability = outside(OBSERVABILITY_NAMESPACE, [['otlp', 4318]]);
  const edges = new Set<string>();
  for (const to of pods)
    for (const [, port] of to.ports)
      for (const from of [...pods, outside(INGRESS_NAMESPACE), observability])
        if (from !== to && allowed(policies, from, to, port)) edges.add(`${from.name} → ${to.name}:${port}`);
  const internet = outside('internet');
  for (const from of pods) {
    if (allowed(policies, from, observability, 4318)) edges.add(`${from.name} → ${observability.name}:4318`);
    for (const port of EXTERNAL_PORTS)
      if (allowed(policies, from, internet, port)) edges.add(`${from.name} → internet:${port}`);
  }
  return edges;
}

/** What must be reachable, from the catalog and the workloads' configuration, independently of the policies. */
function neededEdges(objects: K8sObject[]): Set<string> {
  const pods = endpoints(objects);
  const byName = new Map(pods.map((p) => [p.name, p]));
  const http = (name: string) => byName.get(name)!.ports.get('http')!;
  const edges = new Set<string>();
  const catalog = loadCatalog();
  // The call graph between pods (a static frontend's calls are its browser's, through the Ingress).
  for (const entry of catalog.filter((e) => e.kind !== 'static'))
    for (const called of Object.keys(entry.calls)) edges.add(`${entry.name} → ${called}:${http(called)}`);
  // Stores and sinks each workload's configuration names (a URL to a Service of the namespace).
  for (const c of connections(objects))
    for (const t of c.to) {
      const target = byName.get(t.workload)!;
      const port = typeof t.port === 'number' ? t.port : target.ports.get(String(t.port))!;
      // (between services, the catalog's call graph above is the reference, not the configuration)
      if (!catalog.some((e) => e.name === t.workload)) edges.add(`${c.workload} → ${t.workload}:${port}`);
    }
  // The public entries from the ingress controller; metrics ports from the observability namespace; OTLP out.
  for (const name of ['frontend', 'api-gateway']) edges.add(`ns:${INGRESS_NAMESPACE} → ${name}:${http(name)}`);
  for (const p of pods)
    for (const [portName, port] of p.ports)
      if (portName === 'http' || portName === 'prometheus')
        edges.add(`ns:${OBSERVABILITY_NAMESPACE} → ${p.name}:${port}`);
  for (const entry of catalog.filter((e) => !e.entry)) edges.add(`${entry.name} → ns:${OBSERVABILITY_NAMESPACE}:4318`);
  // Beyond the cluster, only what the catalog says a workload uses (production's SMTP and S3 URLs are Secrets).
  for (const entry of catalog)
    for (const use of entry.uses ?? [])
      for (const port of EXTERNAL_USES[use] ?? []) edges.add(`${entry.name} → internet:${port}`);
  return edges;
}

const difference = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();

describe('the network-policies component', () => {
  const objects = render(path.join(k8s, 'overlays/production'));
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as Policy[];

  it('is generated from the current manifests (npm run k8s:policies)', () => {
    expect(
      readFileSync(POLICIES, 'utf8') === policiesYaml(renderedWorkloads())
        ? 'up to date'
        : 'stale: run npm run k8s:policies',
    ).toBe('up to date');
  });

  it('is in the production overlay: default deny both ways, DNS to kube-dns only', () => {
    const deny = policies.find((p) => p.metadata.name === 'default-deny')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = policies.find((p) => p.metadata.name === 'dns')!;
    expect(dns.spec.egress![0]!.ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
  });

  it('allows every needed connection and nothing else', () => {
    const allowedSet = allowedEdges(objects, policies);
    const needed = neededEdges(objects);
    expect({ missing: difference(needed, allowedSet), extra: difference(allowedSet, needed) }).toEqual({
      missing: [],
      extra: [],
    });
    // Reads as intended: the saga reaches payment-service, a worker does not; nobody but its owners reaches PostgreSQL.
    expect(allowedSet.has('saga-orchestrator → payment-service:8080')).toBe(true);
    expect(allowedSet.has('shipping-worker → payment-service:8080')).toBe(false);
    expect(allowedSet.has('api-gateway → postgres:5432')).toBe(false);
  });

  it('sees a loosened policy: the gateway allowed any egress, or PostgreSQL opened to the namespace as well', () => {
    const loosen = (name: string, change: (spec: Policy['spec']) => Policy['spec']) =>
      policies.map((p) => (p.metadata.name === name ? { ...p, spec: change(p.spec) } : p));
    const openEgress = loosen('api-gateway', (spec) => ({ ...spec, egress: [{}] }));
    expect(difference(allowedEdges(objects, openEgress), neededEdges(objects))).toContain('api-gateway → internet:443');
    const openPostgres = openEgress.map((p) =>
      p.metadata.name === 'postgres' ? { ...p, spec: { ...p.spec, ingress: [{ from: [{ podSelector: {} }] }] } } : p,
    );
    expect(difference(allowedEdges(objects, openPostgres), neededEdges(objects))).toContain(
      'api-gateway → postgres:5432',
    );
  });
});
