// Types of tools/k8s-scaling.mjs for the TypeScript tests.
import type { CatalogEntry } from './catalog.mjs';

export const AUTOSCALERS: string;
export const AUTOSCALING: string;
export const PDBS: string;
export const QUEUE_TARGET: number;
export function scalerOf(entry: CatalogEntry): 'hpa' | 'keda';
export function scalingFiles(entries: CatalogEntry[]): Record<string, string>;
