import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The rule runs in a small throw-away workspace with two services and libs of each tag, linted with the
 * constraints exported by the real eslint.config.js: loosening those constraints makes these tests fail.
 */
describe('module boundaries (@nx/enforce-module-boundaries on real tags)', () => {
  let ws: string;
  const project = (dir: string, name: string, tag: string, source: string) => {
    mkdirSync(path.join(ws, dir, 'src'), { recursive: true });
    writeFileSync(
      path.join(ws, dir, 'package.json'),
      JSON.stringify({ name, version: '0.0.0', type: 'module', exports: './src/index.ts', nx: { tags: [tag] } }),
    );
    writeFileSync(path.join(ws, dir, 'src/index.ts'), source);
  };

  beforeAll(() => {
    ws = mkdtempSync(path.join(tmpdir(), 'refarch-boundaries-'));
    symlinkSync(path.join(root, 'node_modules'), path.join(ws, 'node_modules'));
    writeFileSync(
      path.join(ws, 'package.json'),
      JSON.stringify({ name: 'fixture', private: true, type: 'module', workspaces: ['libs/*', 'services/*'] }),
    );
    writeFileSync(path.join(ws, 'nx.json'), JSON.stringify({ neverConnectToCloud: true, useDaemonProcess: false }));
    writeFileSync(
      path.join(ws, 'eslint.config.js'),
      `import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import { dependencyConstraints } from ${JSON.stringify(path.join(root, 'eslint.config.js'))};
export default [
  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': ['error', { depConstraints: dependencyConstraints }] } },
];
`,
    );
    project('libs/contract', '@fx/contract', 'type:contract', 'export const c = 1;\n');
    project('libs/util', '@fx/util', 'type:util', `import { p } from '@fx/platform';\nexport const u = p;\n`);
    project(
      'libs/platform',
      '@fx/platform',
      'type:platform',
      `import { a } from '@fx/service-a';\nexport const p = a;\n`,
    );
    project('libs/clean', '@fx/clean', 'type:platform', `import { c } from '@fx/contract';\nexport const ok = c;\n`);
    project(
      'services/service-a',
      '@fx/service-a',
      'type:service',
      `import { b } from '@fx/service-b';\nexport const a = b;\n`,
    );
    project(
      'services/service-b',
      '@fx/service-b',
      'type:service',
      `import { ok } from '@fx/clean';\nexport const b = ok;\n`,
    );
    // The rule reads the cached project graph; build it as `npm run lint` does.
    execFileSync(path.join(root, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: ws,
      stdio: 'ignore',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  const lint = (file: string) => {
    const result = spawnSync(path.join(root, 'node_modules/.bin/eslint'), ['--format', 'json', file], {
      cwd: ws,
      encoding: 'utf8',
    });
    const [report] = JSON.parse(result.stdout) as { messages: { ruleId: string; message: string }[] }[];
    return report!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  };

  it('rejects a service importing another service', () => {
    expect(lint('services/service-a/src/index.ts').join('\n')).toMatch(
      /tagged with "type:service" can only depend on libs tagged with/,
    );
  });

  it('rejects a lib importing a service', () => {
    expect(lint('libs/platform/src/index.ts').join('\n')).toMatch(
      /tagged with "type:platform" can only depend on libs tagged with/,
    );
  });

  it('rejects a util lib importing a platform lib (dependencies point one way)', () => {
    expect(lint('libs/util/src/index.ts').join('\n')).toMatch(
      /tagged with "type:util" can only depend on libs tagged with/,
    );
  });

  it('accepts service → platform → contract', () => {
    expect(lint('services/service-b/src/index.ts')).toEqual([]);
    expect(lint('libs/clean/src/index.ts')).toEqual([]);
  });
});

describe('the real workspace', () => {
  it('tags every project with one of the layer tags', () => {
    const tags = ['type:service', 'type:frontend', 'type:platform', 'type:util', 'type:contract', 'type:e2e'];
    for (const group of ['libs', 'services']) {
      for (const name of readdirSync(path.join(root, group), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)) {
        const pkg = JSON.parse(readFileSync(path.join(root, group, name, 'package.json'), 'utf8')) as {
          nx?: { tags?: string[] };
        };
        const own = pkg.nx?.tags ?? [];
        expect(own.filter((t) => tags.includes(t))).toHaveLength(1);
        // A folder of services/ is a Nest service, or the browser app (which may import no library at all).
        if (group === 'services') expect(own).toContain(name === 'frontend' ? 'type:frontend' : 'type:service');
      }
    }
  });
});
