#!/usr/bin/env node
// `npm run images:push -- <registry> [<service> ...]`: builds every image of the catalog (tools/catalog.mjs) with the
// container engine it finds (docker, else podman) and pushes it as <registry>/refarch/<folder>:<version>, the names
// the Kubernetes overlays pull (the MicroK8s registry: `npm run images:push -- localhost:32000`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildArgs, findEngine, imagesOf, root, run } from './images.mjs';

const [registry, ...requested] = process.argv.slice(2);
if (!registry || registry.startsWith('-')) {
  console.error('usage: npm run images:push -- <registry> [<service> ...]   e.g. localhost:32000');
  process.exit(2);
}
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const images = imagesOf(requested);
const engine = findEngine();
let n = 0;
for (const { dir, image, recipe } of images) {
  const tag = `${registry.replace(/\/$/, '')}/${image}:${version}`;
  console.log(`\n▶ [${++n}/${images.length}] ${tag}: building …`);
  const build = run(engine, ['build', '-f', recipe, '--build-arg', `SERVICE=${dir}`, '-t', tag, ...buildArgs, '.'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    console.error(`${tag}: build failed (exit ${build.status})`);
    process.exit(1);
  }
  console.log(`▶ [${n}/${images.length}] ${tag}: pushing …`);
  const push = run(engine, ['push', tag], { stdio: 'inherit' });
  if (push.status !== 0) {
    console.error(`${tag}: push failed (exit ${push.status}); is ${registry} reachable and does it accept pushes?`);
    process.exit(1);
  }
}
console.log(`\npushed ${images.length} image(s) to ${registry} with tag ${version}`);
