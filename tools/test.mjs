#!/usr/bin/env node
// `npm test`: runs Jest in ESM mode (Nest 12 is ESM-only) and ends with one plain line "N passed, N failed".
// Arguments are passed to Jest: `npm test -- libs/config`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const summary = '.tmp/test-summary.txt';
rmSync(summary, { force: true });
const jest = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    'node_modules/jest/bin/jest.js',
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
const line = existsSync(summary) ? readFileSync(summary, 'utf8').trim() : '0 passed, 1 failed (Jest did not complete)';
process.stdout.write(`\n${line}\n`);
process.exit(jest.status ?? 1);
