import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Lints a probe file placed in a real service with the real ESLint config, then removes it. */
function lintProbe(dir: string, source: string): string[] {
  const file = path.join(root, dir, `__outbound_probe_${process.pid}.ts`);
  writeFileSync(file, source);
  try {
    const result = spawnSync(path.join(root, 'node_modules/.bin/eslint'), ['--format', 'json', file], {
      cwd: root,
      encoding: 'utf8',
    });
    // The Nx rule may print a warning line before the JSON report.
    const [report] = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as {
      messages: { ruleId: string | null }[];
    }[];
    return report!.messages.map((m) => m.ruleId ?? 'parse-error');
  } finally {
    rmSync(file, { force: true });
  }
}

describe('services make outbound HTTP calls only through libs/resilience', () => {
  beforeAll(() => {
    // The boundary rule in the same config reads the cached project graph; make sure one exists (fresh clone).
    execFileSync(path.join(root, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: root, stdio: 'ignore' });
  });

  it('rejects raw HTTP client imports and global fetch in service code', () => {
    const rules = lintProbe(
      'services/user-service/src',
      `import { request } from 'undici';\nimport http from 'node:http';\nexport const a = [request, http];\nexport const b = fetch('http://x');\n`,
    );
    expect(rules.filter((r) => r === 'no-restricted-imports')).toHaveLength(2);
    expect(rules).toContain('no-restricted-globals');
  });

  it('allows the resilient client', () => {
    const rules = lintProbe(
      'services/user-service/src',
      `import { HttpClients } from '@refarch/resilience';\nexport const c: HttpClients | undefined = undefined;\n`,
    );
    expect(rules.filter((r) => r === 'no-restricted-imports' || r === 'no-restricted-globals')).toEqual([]);
  });
});
