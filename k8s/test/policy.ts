import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

/** Renders a kustomization exactly as `kubectl apply -k` would, offline. */
export function render(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** API groups of custom resources, and the package of their models (`@kubernetes-models/*`). */
const CRD_MODELS: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'argoproj.io': '@kubernetes-models/argo-cd',
  'keda.sh': '@kubernetes-models/keda',
};

/**
 * `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment` (core group: `kubernetes-models/v1/...`); a custom
 * resource → its `@kubernetes-models/*` package (`monitoring.coreos.com/v1` → prometheus-operator's).
 */
export async function validateSchema(object: K8sObject): Promise<string | undefined> {
  const group = object.apiVersion.split('/')[0]!;
  const modulePath = `${CRD_MODELS[group] ?? 'kubernetes-models'}/${object.apiVersion}/${object.kind}`;
  let Model: new (o: unknown) => { validate(): void };
  try {
    Model = ((await import(modulePath)) as { [k: string]: new (o: unknown) => { validate(): void } })[object.kind]!;
  } catch (error) {
    return `${object.kind}/${object.metadata.name}: no schema for ${object.apiVersion} ${object.kind} (${String(error)})`;
  }
  try {
    new Model(object).validate();
    return undefined;
  } catch (error) {
    return `${object.kind}/${object.metadata.name}: schema: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
}

interface Container {
  name: string;
  image?: string;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type?: string };
  };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
}

function podSpecOf(object: K8sObject): PodSpec | undefined {
  const spec = object.spec as
    { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } } | undefined;
  if (object.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(object.kind)
    ? spec?.template?.spec
    : undefined;
}

/** The project's policy (STYLE.md "Kubernetes and images"): one violation string per broken rule and container. */
export function policyViolations(object: K8sObject): string[] {
  const pod = podSpecOf(object);
  if (!pod) return [];
  const problems: string[] = [];
  for (const c of pod.containers) {
    const where = `${object.kind}/${object.metadata.name} container ${c.name}`;
    const sc = c.securityContext ?? {};
    // A batch pod (Job, CronJob) runs to completion and takes no traffic: probes mean nothing there.
    const batch = object.kind === 'Job' || object.kind === 'CronJob';
    if (!batch && !c.livenessProbe) problems.push(`${where}: no livenessProbe`);
    if (!batch && !c.readinessProbe) problems.push(`${where}: no readinessProbe`);
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (c.resources?.[kind]?.[resource] === undefined) problems.push(`${where}: no ${kind}.${resource}`);
      }
    }
    if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true)
      problems.push(`${where}: runAsNonRoot not set`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem not set`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation not false`);
    if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
    const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`${where}: seccompProfile not RuntimeDefault`);
    const image = c.image ?? '';
    const tagged = image.includes('@sha256:') || /:[^/:]+$/.test(image);
    if (!tagged || /:latest$/.test(image)) problems.push(`${where}: image "${image}" has no fixed tag (or is :latest)`);
  }
  return problems;
}

/** Schema errors of every object. Sequential on purpose: Jest's ESM loader races on parallel imports of one module. */
export async function schemaErrors(objects: K8sObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const object of objects) {
    const error = await validateSchema(object);
    if (error) errors.push(error);
  }
  return errors;
}
