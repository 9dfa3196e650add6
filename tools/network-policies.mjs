#!/usr/bin/env node
// `npm run k8s:policies`: writes k8s/components/network-policies/policies.yaml from the rendered overlays (both, minus
// this component), so it follows the manifests instead of a hand-kept list. Every workload may reach exactly what its
// configuration points at: each URL of its environment and ConfigMaps that names a Service of the namespace (a store,
// a service it calls, MinIO, the mail catcher) — on that Service's target port, and nothing else of the namespace.
// A URL naming no Service allows egress outside the cluster on that port, and a catalog `uses` (smtp, s3) its ports
// (production takes those URLs from Secrets, which this cannot read). Plus DNS for all,
// the ingress controller's namespace to the Ingress's backends, the observability namespace to every `http` and
// `prometheus` port (metrics) and from the Node services to its OTLP port. `--check` exits 1 when the file is stale.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { loadCatalog } from './catalog.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const POLICIES = path.join(root, 'k8s/components/network-policies/policies.yaml');
/** The namespaces of the MicroK8s addons: `ingress` (its controller), `observability` (Prometheus, Tempo). */
export const INGRESS_NAMESPACE = 'ingress';
export const OBSERVABILITY_NAMESPACE = 'observability';
const OTLP_PORT = 4318;
const DEFAULT_PORTS = {
  http: 80,
  https: 443,
  amqp: 5672,
  redis: 6379,
  postgres: 5432,
  postgresql: 5432,
  mongodb: 27017,
  smtp: 25,
  smtps: 465,
};
/** What a catalog `uses` entry reaches outside the cluster where its URL is a Secret (production's SMTP, an S3). */
const EXTERNAL_PORTS = { smtp: [25, 465, 587], s3: [443] };
const URL_PATTERN = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?([a-z0-9][a-z0-9.-]*)(?::(\d+))?/g;
const NAME = 'app.kubernetes.io/name';

function render(dir) {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((d) => d.toJS())
    .filter(Boolean);
}

/** The pod template of a workload (Deployment, StatefulSet, CronJob). */
export function podTemplate(object) {
  if (object.kind === 'CronJob') return object.spec.jobTemplate.spec.template;
  if (object.kind === 'Deployment' || object.kind === 'StatefulSet') return object.spec.template;
  return undefined;
}

/** Every `scheme://host[:port]` a workload's containers are configured with (env values and their ConfigMaps). */
function urlsOf(template, configMaps) {
  const values = [];
  for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
    for (const e of c.env ?? []) if (typeof e.value === 'string') values.push(e.value);
    for (const from of c.envFrom ?? []) {
      const map = from.configMapRef && configMaps.get(from.configMapRef.name);
      if (map) values.push(...Object.values(map.data ?? {}).map(String));
    }
  }
  return values.flatMap((v) =>
    [...v.matchAll(URL_PATTERN)].map((m) => ({
      scheme: m[1],
      host: m[2],
      port: m[3] ? Number(m[3]) : DEFAULT_PORTS[m[1]],
    })),
  );
}

const selects = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

/**
 * What each workload connects to, from the rendered objects: `{ workload: name, to: [{ workload, port }], external:
 * [port] }`, `port` being the destination pod's (a Service's targetPort: a name or a number).
 */
export function connections(objects) {
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o]));
  const services = new Map(objects.filter((o) => o.kind === 'Service').map((o) => [o.metadata.name, o]));
  const workloads = objects
    .filter((o) => podTemplate(o))
    .map((o) => ({ name: o.metadata.name, template: podTemplate(o) }));
  const workloadOf = (service) => workloads.find((w) => selects(service.spec.selector, w.template.metadata.labels));
  return workloads.map((w) => {
    const to = new Map();
    const external = new Set();
    for (const { host, port } of urlsOf(w.template, configMaps)) {
      // `postgres`, `postgres.refarch`, `postgres.refarch.svc.cluster.local`, or a StatefulSet pod's `mongodb-0.mongodb`.
      const labels = host.split('.');
      const service = services.get(labels[0]) ?? (labels.length > 1 ? services.get(labels[1]) : undefined);
      if (!service) {
        if (port) external.add(port);
        continue;
      }
      const servicePort =
        service.spec.ports.find((p) => p.port === port) ??
        (service.spec.ports.length === 1 ? service.spec.ports[0] : undefined);
      const target = workloadOf(service);
      if (!servicePort || !target || target.name === w.name) continue;
      const key = `${target.name}:${servicePort.targetPort ?? servicePort.port}`;
      to.set(key, { workload: target.name, port: servicePort.targetPort ?? servicePort.port });
    }
    return {
      workload: w.name,
      labels: w.template.metadata.labels,
      to: [...to.values()],
      external: [...external].sort((a, b) => a - b),
    };
  });
}

/** The ports (by name) a workload's containers expose among `names`. */
function namedPorts(template, names) {
  return template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)).filter((n) => names.includes(n));
}

const tcp = (port) => ({ protocol: 'TCP', port });
const namespace = (name) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const pod = (name) => ({ podSelector: { matchLabels: { [NAME]: name } } });

/** The NetworkPolicies of the namespace, from the rendered objects (NetworkPolicies among them are ignored). */
export function networkPolicies(objects, catalog = loadCatalog()) {
  const conns = connections(objects);
  for (const entry of catalog) {
    const c = conns.find((x) => x.workload === entry.name);
    const ports = (entry.uses ?? []).flatMap((u) => EXTERNAL_PORTS[u] ?? []);
    if (c && ports.length) c.external = [...new Set([...c.external, ...ports])].sort((a, b) => a - b);
  }
  const templates = new Map(objects.filter((o) => podTemplate(o)).map((o) => [o.metadata.name, podTemplate(o)]));
  const ingressBackends = new Set(
    objects
      .filter((o) => o.kind === 'Ingress')
      .flatMap((i) => i.spec.rules.flatMap((r) => r.http.paths.map((p) => p.backend.service.name))),
  );
  const services = objects.filter((o) => o.kind === 'Service');
  const publicWorkloads = new Set(
    services
      .filter((s) => ingressBackends.has(s.metadata.name))
      .map((s) => conns.find((c) => selects(s.spec.selector, c.labels))?.workload)
      .filter(Boolean),
  );
  const policies = [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: 'refarch' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'dns', namespace: 'refarch' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ...namespace('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    },
  ];
  for (const c of [...conns].sort((a, b) => a.workload.localeCompare(b.workload))) {
    const template = templates.get(c.workload);
    const callers = new Map();
    for (const other of conns)
      for (const t of other.to.filter((t) => t.workload === c.workload)) {
        const list = callers.get(String(t.port)) ?? [];
        list.push(other.workload);
        callers.set(String(t.port), list);
      }
    const ingress = [...callers].map(([port, from]) => ({
      from: [...new Set(from)].sort().map(pod),
      ports: [tcp(Number.isNaN(Number(port)) ? port : Number(port))],
    }));
    if (publicWorkloads.has(c.workload)) ingress.push({ from: [namespace(INGRESS_NAMESPACE)], ports: [tcp('http')] });
    const metrics = namedPorts(template, ['http', 'prometheus']);
    if (metrics.length) ingress.push({ from: [namespace(OBSERVABILITY_NAMESPACE)], ports: metrics.map(tcp) });
    const egress = c.to
      .sort((a, b) => `${a.workload}:${a.port}`.localeCompare(`${b.workload}:${b.port}`))
      .map((t) => ({ to: [pod(t.workload)], ports: [tcp(t.port)] }));
    if (c.external.length)
      egress.push({
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }],
        ports: c.external.map(tcp),
      });
    const component = c.labels?.['app.kubernetes.io/component'];
    if (component === 'backend' || component === 'gateway')
      egress.push({ to: [namespace(OBSERVABILITY_NAMESPACE)], ports: [tcp(OTLP_PORT)] });
    policies.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: c.workload, namespace: 'refarch' },
      spec: {
        podSelector: { matchLabels: { [NAME]: c.labels[NAME] } },
        policyTypes: ['Ingress', 'Egress'],
        ingress,
        egress,
      },
    });
  }
  return policies;
}

/** The overlays' objects together (what the policies must serve), without this component's own policies. */
export function renderedWorkloads() {
  const seen = new Map();
  for (const overlay of ['microk8s', 'production'])
    for (const o of render(path.join(root, 'k8s/overlays', overlay)))
      if (o.kind !== 'NetworkPolicy') seen.set(`${o.kind}/${o.metadata.name}`, o);
  return [...seen.values()];
}

export function policiesYaml(objects = renderedWorkloads()) {
  const header =
    '# Generated by `npm run k8s:policies` from the rendered overlays (tools/network-policies.mjs): do not edit.\n' +
    '# Each workload reaches what its configuration points at, and is reached by what points at it; see README.md.\n';
  return (
    header +
    networkPolicies(objects)
      .map((p) => `---\n${stringify(p)}`)
      .join('')
  );
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const objects = renderedWorkloads(); // both overlays rendered once
  const text = policiesYaml(objects);
  if (process.argv.includes('--check')) {
    const current = readFileSync(POLICIES, 'utf8');
    if (current !== text) {
      console.error(`${path.relative(root, POLICIES)} is stale: run npm run k8s:policies`);
      process.exit(1);
    }
    console.log(`${path.relative(root, POLICIES)} is up to date`);
  } else {
    writeFileSync(POLICIES, text);
    console.log(`wrote ${path.relative(root, POLICIES)} (${networkPolicies(objects).length} policies)`);
  }
}
