import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { policyViolations, render, schemaErrors, type K8sObject } from './policy.js';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe.each(['microk8s', 'production'])('overlay %s', (overlay) => {
  const objects = render(path.join(k8s, 'overlays', overlay));
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name) as K8sObject & { spec: any };

  it('renders the base workloads', () => {
    expect(find('Deployment', 'user-service')).toBeDefined();
    expect(find('Deployment', 'inventory-service')).toBeDefined();
    expect(find('Deployment', 'payment-service')).toBeDefined();
    expect(find('Deployment', 'order-service')).toBeDefined();
    expect(find('StatefulSet', 'mongodb')).toBeDefined();
    expect(find('Deployment', 'saga-orchestrator')).toBeDefined();
    expect(find('Deployment', 'api-gateway').spec.template.spec.containers[0].envFrom).toBeDefined();
    expect(find('Deployment', 'redis')).toBeDefined();
    // The lab's admin comes from a Secret in Kubernetes (no demo accounts there).
    const userEnv = find('Deployment', 'user-service').spec.template.spec.containers[0].env as {
      name: string;
      valueFrom?: any;
    }[];
    expect(userEnv.find((e) => e.name === 'ADMIN_EMAILS')?.valueFrom?.secretKeyRef).toMatchObject({
      name: 'refarch-admin',
    });
    const frontend = find('Deployment', 'frontend').spec.template.spec.containers[0];
    expect([frontend.livenessProbe.httpGet.path, frontend.readinessProbe.httpGet.path]).toEqual(['/health', '/ready']);
    expect(find('Deployment', 'shipping-worker').spec.template.spec.containers[0].image).toMatch(
      /refarch\/workers:0\.1\.0$/,
    );
    expect(find('StatefulSet', 'rabbitmq')).toBeDefined();
    expect(find('StatefulSet', 'postgres')).toBeDefined();
    expect(objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'refarch')).toBe(true);
  });

  it('validates every object against the Kubernetes schemas', async () => {
    const errors = await schemaErrors(objects);
    expect(errors).toEqual([]);
  });

  it('meets the policy: probes, requests and limits, restricted security context, fixed image tags', () => {
    expect(objects.flatMap(policyViolations)).toEqual([]);
  });

  if (overlay === 'microk8s') {
    it('pulls from the MicroK8s registry, uses hostpath storage and the public ingress class', () => {
      expect(find('Deployment', 'user-service').spec.template.spec.containers[0].image).toMatch(/^localhost:32000\//);
      expect(find('StatefulSet', 'postgres').spec.volumeClaimTemplates[0].spec.storageClassName).toBe(
        'microk8s-hostpath',
      );
      const ingress = find('Ingress', 'refarch');
      expect(ingress.spec.ingressClassName).toBe('public');
      // One origin: the frontend at /, the gateway at /api; no service is public otherwise.
      expect(ingress.spec.rules[0].http.paths).toEqual([
        expect.objectContaining({
          path: '/api',
          backend: { service: { name: 'api-gateway', port: { name: 'http' } } },
        }),
        expect.objectContaining({ path: '/', backend: { service: { name: 'frontend', port: { name: 'http' } } } }),
      ]);
    });
  } else {
    it('runs several replicas (autoscaled from a minimum) with a disruption budget and guaranteed memory', () => {
      const deployment = find('Deployment', 'user-service');
      expect(deployment.spec.replicas).toBeUndefined();
      const { requests, limits } = deployment.spec.template.spec.containers[0].resources;
      expect(requests.memory).toBe(limits.memory);
      expect(find('PodDisruptionBudget', 'user-service')).toBeDefined();
      const minimum = (kind: string, name: string) => {
        const scaler = find(kind, name);
        expect(scaler.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name });
        return scaler.spec.minReplicas ?? scaler.spec.minReplicaCount;
      };
      expect(minimum('HorizontalPodAutoscaler', 'user-service')).toBe(3);
      expect(minimum('HorizontalPodAutoscaler', 'order-service')).toBe(5);
      expect(minimum('HorizontalPodAutoscaler', 'api-gateway')).toBe(3);
      expect(minimum('HorizontalPodAutoscaler', 'frontend')).toBe(3);
      expect(minimum('ScaledObject', 'saga-orchestrator')).toBe(2);
      expect(minimum('ScaledObject', 'shipping-worker')).toBe(2);
      expect(find('PodDisruptionBudget', 'api-gateway')).toBeDefined();
      expect(find('PodDisruptionBudget', 'frontend')).toBeDefined();
    });
  }
});

describe('the deliberately broken fixture', () => {
  const objects = render(path.join(k8s, 'test', 'fixtures', 'broken'));

  it('fails schema validation', async () => {
    const errors = await schemaErrors(objects);
    expect(errors.join('\n')).toMatch(/Deployment\/broken: schema: .*replicas/);
  });

  it('fails every policy check', () => {
    const violations = objects.flatMap(policyViolations).join('\n');
    for (const expected of [
      'no livenessProbe',
      'no readinessProbe',
      'no requests.memory',
      'no limits.cpu',
      'runAsNonRoot not set',
      'readOnlyRootFilesystem not set',
      'allowPrivilegeEscalation not false',
      'capabilities do not drop ALL',
      'seccompProfile not RuntimeDefault',
      'has no fixed tag (or is :latest)',
    ]) {
      expect(violations).toContain(expected);
    }
  });
});
