#!/usr/bin/env node
// Compiles TypeScript sources to ESM JavaScript in <package>/dist with @swc/core.
// Why not @swc/cli: it pulls a binary downloader this repo does not need; this is the few lines it would run.
// Type checking is separate (`npm run typecheck`), so a build takes well under a second per package.
// Usage: node tools/build.mjs [packageDir ...]   (no argument: every workspace package that has src/)
import { spawnSync } from 'node:child_process';
import { transformFile } from '@swc/core';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const swcrc = JSON.parse(await readFile(path.join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

async function workspacePackages() {
  const dirs = [];
  for (const group of ['libs', 'services', '.']) {
    const base = path.join(root, group);
    const names = group === '.' ? ['e2e', 'tools/lab'] : await readdir(base);
    for (const name of names) {
      const dir = path.join(base, name);
      if (existsSync(path.join(dir, 'src')) && existsSync(path.join(dir, 'package.json'))) dirs.push(dir);
    }
  }
  return dirs;
}

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (/\.ts$/.test(entry.name) && !/\.(spec|test)\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
      yield full;
  }
}

async function build(pkgDir) {
  const src = path.join(pkgDir, 'src');
  const dist = path.join(pkgDir, 'dist');
  // Build beside dist and swap it in, so a process running from dist (a test, the stack) never sees it half-built.
  const out = path.join(pkgDir, `.dist-${process.pid}`);
  await rm(out, { recursive: true, force: true });
  let count = 0;
  for await (const file of sources(src)) {
    const target = path.join(out, path.relative(src, file)).replace(/\.ts$/, '.js');
    const { code, map } = await transformFile(file, {
      ...swcrc,
      swcrc: false,
      filename: file,
      sourceFileName: path.relative(path.dirname(target), file),
    });
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
    count += 1;
  }
  const old = path.join(pkgDir, `.dist-old-${process.pid}`);
  await rename(dist, old).catch(() => undefined);
  await rename(out, dist);
  await rm(old, { recursive: true, force: true });
  return count;
}

/** A browser app (a Vite config next to its sources) is built by Vite, not transpiled file by file. */
function buildWithVite(dir) {
  const vite = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
  if (vite.status !== 0) process.exit(vite.status ?? 1);
  return 1;
}

const started = performance.now();
const targets = process.argv.length > 2 ? process.argv.slice(2).map((d) => path.resolve(d)) : await workspacePackages();
let files = 0;
for (const dir of targets)
  files += existsSync(path.join(dir, 'vite.config.ts')) ? buildWithVite(dir) : await build(dir);
console.log(`built ${targets.length} package(s), ${files} file(s) in ${Math.round(performance.now() - started)} ms`);
