#!/usr/bin/env node
// `npm run verify [-- --base-url URL] [--wait 30s] [--json] [--admin-email E --admin-password P]`: the saga
// invariants after any run, read through the Lab's API (GET /api/lab/ledger). Prints each invariant, then every
// violation with its ids; exits 1 on any, 2 when it cannot judge (a service did not answer, bad usage).
import { parseArgs } from 'node:util';
import { adminFrom, baseUrlFrom, COMMON_OPTIONS } from './cli.js';
import { systemClock } from './clock.js';
import { Http } from './http.js';
import { parseDuration } from './units.js';
import { describe, verify } from './verify.js';

const USAGE = 'usage: npm run verify [-- --base-url URL] [--wait 30s] [--json] [--admin-email E --admin-password P]';

function fail(message: string): never {
  process.stderr.write(`verify: ${message}\n`);
  process.exit(2);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { ...COMMON_OPTIONS, wait: { type: 'string', default: '30s' }, json: { type: 'boolean' } },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  let baseUrl: string;
  let waitMs: number;
  try {
    baseUrl = baseUrlFrom(values['base-url']);
    waitMs = parseDuration(values.wait, '--wait');
  } catch (error) {
    fail((error as Error).message);
  }
  const admin = adminFrom(values);
  if (!admin) fail(`no admin: --admin-email and --admin-password (or a local .stack)\n${USAGE}`);
  const http = new Http(baseUrl, systemClock);
  try {
    const result = await verify(http, admin, {
      waitMs,
      clock: systemClock,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ violations: result.violations }, null, 2)}\n`
        : `${describe(result).join('\n')}\n`,
    );
    process.exitCode = result.violations.length ? 1 : 0;
  } catch (error) {
    fail((error as Error).message);
  } finally {
    await http.close();
  }
}

await main();
