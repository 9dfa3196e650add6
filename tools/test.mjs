#!/usr/bin/env node
// `npm test`: runs Jest in ESM mode (Nest 12 is ESM-only) and ends with one plain line "N passed, N failed".
// Without arguments it runs two phases: every test but the few in SERIAL (in parallel), then those alone, one after
// the other — alone they are fast and undisturbed.
// Arguments are passed to a single Jest run: `npm test -- libs/config`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const summaryFile = '.tmp/test-summary.txt';

function jest(args) {
  rmSync(summaryFile, { force: true });
  const run = spawnSync(
    process.execPath,
    ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', ...args],
    { stdio: 'inherit' },
  );
  const line = existsSync(summaryFile)
    ? readFileSync(summaryFile, 'utf8').trim()
    : '0 passed, 1 failed (Jest did not complete)';
  const [passed, failed, skipped] = [/(\d+) passed/, /(\d+) failed/, /(\d+) skipped/].map((re) =>
    Number(re.exec(line)?.[1] ?? 0),
  );
  return { status: run.status ?? 1, passed, failed, skipped };
}

/**
 * Run alone, after the rest: the e2e suite (a whole stack on fixed ports), the generator's end-to-end test (a build,
 * lint and test run of its own in a copy of the workspace) and the slow-reader stream test (it fills the kernel's
 * socket buffers, which takes long on a machine busy with the parallel phase).
 */
const SERIAL = [
  '/e2e/',
  '/tools/test/plugin-e2e.spec.ts',
  '/tools/test/stack-observe.spec.ts',
  '/tools/test/stack-profile.spec.ts',
  '/services/api-gateway/test/streams.spec.ts',
];

const args = process.argv.slice(2);
const runs = args.length
  ? [jest(args)]
  : [
      jest(['--testPathIgnorePatterns', ...SERIAL, '/node_modules/', '/dist/']),
      // --forceExit: in one run a suite of this phase left a RabbitMQ and a Redis socket open after its last test, and
      // one in-band process has no worker to force-exit (as the parallel phase does): the run would never end.
      jest(['--runInBand', '--forceExit', ...SERIAL.map((p) => p.replace(/^\//, ''))]),
    ];
const total = runs.reduce(
  (t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
process.stdout.write(
  `\n${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}\n`,
);
process.exit(runs.every((r) => r.status === 0) ? 0 : 1);
