// What the image scripts share: the container engine, and the images to build — one per service folder of the
// catalog (tools/catalog.mjs), with its recipe and liveness path.
//
// Engine selection: REFARCH_CONTAINER_ENGINE=docker|podman, else the first of docker, podman whose engine answers.
// Extra engine flags (e.g. podman --root/--runroot) go in REFARCH_ENGINE_ARGS; extra build flags (e.g. a CA bundle
// mount on a TLS-intercepting network) in REFARCH_BUILD_ARGS. docs/images.md shows both.
import { spawnSync } from 'node:child_process';
import { imageOf, loadCatalog, root } from './catalog.mjs';

export { root };

const words = (v) => (v ? v.split(/\s+/).filter(Boolean) : []);
export const engineArgs = words(process.env.REFARCH_ENGINE_ARGS);
export const buildArgs = words(process.env.REFARCH_BUILD_ARGS);

export function run(engine, args, opts = {}) {
  return spawnSync(engine, [...engineArgs, ...args], { encoding: 'utf8', ...opts });
}

export function findEngine() {
  const candidates = process.env.REFARCH_CONTAINER_ENGINE
    ? [process.env.REFARCH_CONTAINER_ENGINE]
    : ['docker', 'podman'];
  const tried = [];
  for (const engine of candidates) {
    const info = run(engine, ['info']);
    if (info.error) tried.push(`${engine}: not installed`);
    else if (info.status !== 0) tried.push(`${engine}: ${(info.stderr || info.stdout).trim().split('\n')[0]}`);
    else return engine;
  }
  console.error('No container engine found, so no image was built.');
  for (const t of tried) console.error(`  - ${t}`);
  console.error('Install Docker (https://docs.docker.com/engine/install/) or podman, or see docs/images.md.');
  process.exit(1);
}

/**
 * The images of the catalog (all, or those of the requested service folders or names): `{ dir, image, recipe,
 * livePath, entries }`. Nest services and workers share docker/service.Dockerfile; a static frontend has its own.
 */
export function imagesOf(requested = []) {
  const byDir = new Map();
  for (const entry of loadCatalog()) {
    const image = byDir.get(entry.dir) ?? {
      dir: entry.dir,
      image: imageOf(entry),
      recipe: entry.kind === 'static' ? `docker/${entry.dir}.Dockerfile` : 'docker/service.Dockerfile',
      livePath: entry.livePath ?? '/health/live',
      entries: [],
    };
    image.entries.push(entry);
    byDir.set(entry.dir, image);
  }
  const all = [...byDir.values()];
  const chosen = requested.length
    ? all.filter((i) => requested.includes(i.dir) || i.entries.some((e) => requested.includes(e.name)))
    : all;
  if (chosen.length === 0) {
    console.error(`no such service: ${requested.join(', ')}; known: ${all.map((i) => i.dir).join(', ')}`);
    process.exit(2);
  }
  return chosen;
}
