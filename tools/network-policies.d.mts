// Types of tools/network-policies.mjs for the TypeScript tests.
import type { K8sObject } from '../k8s/test/policy.js';

export const POLICIES: string;
export const INGRESS_NAMESPACE: string;
export const OBSERVABILITY_NAMESPACE: string;
export function podTemplate(object: K8sObject): unknown;
export interface Connection {
  workload: string;
  labels: Record<string, string>;
  to: { workload: string; port: string | number }[];
  external: number[];
}
export function connections(objects: K8sObject[]): Connection[];
export function networkPolicies(objects: K8sObject[]): K8sObject[];
export function renderedWorkloads(): K8sObject[];
export function policiesYaml(objects?: K8sObject[]): string;
