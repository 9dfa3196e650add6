import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { mongoWiringProblems } from './mongodb-wiring.js';
import { render, type K8sObject } from './policy.js';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe.each(['base', 'overlays/microk8s', 'overlays/production'])('MongoDB replica-set wiring in %s', (dir) => {
  const objects = render(path.join(k8s, dir)) as (K8sObject & { spec?: any; data?: any })[];
  it('agrees: not-ready addresses published, member host = <pod>.<service>:<port>, probe waits for a primary, URLs match', () => {
    expect(mongoWiringProblems(objects)).toEqual([]);
  });
});

describe('the wiring check', () => {
  const fresh = () => render(path.join(k8s, 'base')) as (K8sObject & { spec?: any; data?: any })[];
  const mongo = (objects: ReturnType<typeof fresh>, kind: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === 'mongodb')!;

  it('fails without publishNotReadyAddresses', () => {
    const objects = fresh();
    delete mongo(objects, 'Service').spec.publishNotReadyAddresses;
    expect(mongoWiringProblems(objects)).toEqual(['Service mongodb does not publish not-ready addresses']);
  });

  it('fails when the member host is not the pod and service name', () => {
    const objects = fresh();
    const probe = mongo(objects, 'StatefulSet').spec.template.spec.containers[0].startupProbe.exec.command;
    probe[probe.length - 1] = probe.at(-1).replace('mongodb-0.mongodb:27017', 'mongodb:27017');
    expect(mongoWiringProblems(objects)).toEqual([
      "rs.initiate's member host is mongodb:27017, not mongodb-0.mongodb:27017",
    ]);
  });

  it('fails when the probe only initiates and never checks for a primary', () => {
    const objects = fresh();
    const probe = mongo(objects, 'StatefulSet').spec.template.spec.containers[0].startupProbe.exec.command;
    probe[probe.length - 1] = probe.at(-1).replace(/if \(s\.myState !== 1\) quit\(1\)/, '');
    expect(mongoWiringProblems(objects)).toEqual([
      'the startup probe does not wait for a primary (rs.status().myState === 1)',
    ]);
  });

  it("fails when order-service's URL names another replica set or host", () => {
    const objects = fresh();
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'order-service')!;
    config.data.ORDERS_DB_URL = 'mongodb://mongodb:27017/orders?replicaSet=rs1';
    expect(mongoWiringProblems(objects)).toEqual([
      'ConfigMap order-service ORDERS_DB_URL names mongodb:27017, not mongodb-0.mongodb:27017',
      'ConfigMap order-service ORDERS_DB_URL names replica set rs1, not rs0',
    ]);
  });
});
