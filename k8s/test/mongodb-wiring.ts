import type { K8sObject } from './policy.js';

type Obj = K8sObject & { spec?: any; data?: Record<string, string> };

/**
 * What has to agree for MongoDB's replica set to come up and be found in a cluster, read off rendered manifests:
 * the headless Service publishes not-ready addresses (the member's name must resolve before it is ready); the
 * member host in the startup probe's `rs.initiate` is `<pod>.<service>:<port>`; the probe waits for a primary;
 * every `mongodb://` URL in a ConfigMap names that host and replica set. Returns what disagrees.
 */
export function mongoWiringProblems(objects: Obj[]): string[] {
  const problems: string[] = [];
  const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'mongodb');
  if (!sts) return ['no StatefulSet mongodb'];
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === sts.spec.serviceName);
  if (!service) return [`StatefulSet mongodb names serviceName ${sts.spec.serviceName}, which is not rendered`];
  if (service.spec.clusterIP !== 'None') problems.push(`Service ${service.metadata.name} is not headless`);
  if (service.spec.publishNotReadyAddresses !== true) {
    problems.push(`Service ${service.metadata.name} does not publish not-ready addresses`);
  }
  const container = sts.spec.template.spec.containers[0];
  const args: string[] = container.args ?? [];
  const replSet = args[args.indexOf('--replSet') + 1];
  if (!args.includes('--replSet') || !replSet) problems.push('mongod is not started with --replSet');
  const port = service.spec.ports?.[0]?.port;
  const memberHost = `${sts.metadata.name}-0.${service.metadata.name}:${port}`;
  const script = (container.startupProbe?.exec?.command ?? []).join(' ');
  const initiate = /rs\.initiate\(\{\s*_id:\s*'([^']+)',\s*members:\s*\[\{\s*_id:\s*0,\s*host:\s*'([^']+)'/.exec(
    script,
  );
  if (!initiate) {
    problems.push('the startup probe does not initiate the replica set');
  } else {
    if (initiate[1] !== replSet) problems.push(`rs.initiate names replica set ${initiate[1]}, mongod runs ${replSet}`);
    if (initiate[2] !== memberHost) problems.push(`rs.initiate's member host is ${initiate[2]}, not ${memberHost}`);
  }
  if (!/myState\s*!==\s*1\)\s*quit\(1\)/.test(script)) {
    problems.push('the startup probe does not wait for a primary (rs.status().myState === 1)');
  }
  for (const map of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const [key, value] of Object.entries(map.data ?? {})) {
      if (!/^mongodb(\+srv)?:\/\//.test(value)) continue;
      const url = new URL(value);
      if (url.host !== memberHost)
        problems.push(`ConfigMap ${map.metadata.name} ${key} names ${url.host}, not ${memberHost}`);
      if (url.searchParams.get('replicaSet') !== replSet) {
        problems.push(
          `ConfigMap ${map.metadata.name} ${key} names replica set ${url.searchParams.get('replicaSet')}, not ${replSet}`,
        );
      }
    }
  }
  return problems;
}
