#!/usr/bin/env node
// `npm run k8s:scaling`: writes, from the service catalog, what scales and protects each workload in production —
// so no list of services is kept by hand:
// - k8s/components/autoscaling/autoscalers.yaml: an HPA (CPU) for every stateless HTTP service, and a KEDA
//   ScaledObject (its RabbitMQ queue's depth) for every message consumer, never both for one Deployment; the
//   catalog's `replicas` is the minimum, four times that the maximum;
// - k8s/components/autoscaling/kustomization.yaml: the component, with `spec.replicas` taken off each of those
//   Deployments (an `apply` would otherwise reset what the autoscaler chose);
// - k8s/components/high-availability/pdb.yaml: a PodDisruptionBudget for every workload the catalog runs on several
//   replicas (at most one pod down at a time, whatever the autoscaler's count).
// The service generators write the same files (tools/plugin); the text is what Prettier would leave (lint checks).
// `--check` exits 1 when a file is stale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from './catalog.mjs';
import { scalingFiles } from './plugin/src/scaling.js';

export { AUTOSCALERS, AUTOSCALING, PDBS, QUEUE_TARGET, scalerOf, scalingFiles } from './plugin/src/scaling.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const [file, text] of Object.entries(scalingFiles(loadCatalog()))) {
    const target = path.join(ROOT, file);
    const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    if (current === text) continue;
    if (check) stale.push(file);
    else {
      writeFileSync(target, text);
      console.log(`wrote ${file}`);
    }
  }
  if (stale.length) {
    console.error(`stale, run npm run k8s:scaling: ${stale.join(', ')}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
