#!/usr/bin/env node
// `npm run conformance [-- <service> ...]`: builds, then runs the conformance suite (tools/test/conformance.spec.ts)
// on every backend service of the catalog, or on the ones named. Ends with the test runner's "N passed, N failed".
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadCatalog, root } from '../catalog.mjs';

const requested = process.argv.slice(2);
const backends = loadCatalog().filter((e) => e.kind !== 'static');
const unknown = requested.filter((name) => !backends.some((e) => e.name === name));
if (unknown.length) {
  console.error(
    `not a backend service of the catalog: ${unknown.join(', ')}; known: ${backends.map((e) => e.name).join(', ')}`,
  );
  process.exit(2);
}
const build = spawnSync(process.execPath, [path.join(root, 'tools/build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(
  process.execPath,
  [path.join(root, 'tools/test.mjs'), 'tools/test/conformance.spec.ts', 'tools/test/conformance-fails.spec.ts'],
  { stdio: 'inherit', cwd: root, env: { ...process.env, CONFORMANCE_SERVICES: requested.join(',') } },
);
process.exit(run.status ?? 1);
