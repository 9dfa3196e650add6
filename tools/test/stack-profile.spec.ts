// `npm run stack -- --profile load`: the gateway's rate limits sized for a load generator on the same machine. With
// the default limits, 150 anonymous requests from one IP in a minute meet 429s; with the profile none does.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { deleteMessagingNamespace, eventually, requireInfra } from '@refarch/testing';
import { root } from '../catalog.mjs';

const infra = await requireInfra('npm run stack -- --profile load', 'redis', 'rabbitmq');
const GATEWAY = 'http://127.0.0.1:8080';

/** The gateway alone, from the stack (with `args`); the statuses of 150 anonymous requests; then it stops. */
async function statusesOf150(args: string[]): Promise<{ statuses: number[]; output: string }> {
  const id = randomBytes(3).toString('hex');
  const stateDir = path.join(root, '.tmp', `profile-${id}`);
  let output = '';
  const stack: ChildProcess = spawn(
    process.execPath,
    [
      'tools/stack.mjs',
      '--only',
      'api-gateway',
      '--no-build',
      '--state-dir',
      stateDir,
      '--namespace',
      `profile-${id}`,
      ...args,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  stack.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  stack.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await eventually(() => output.includes('Press Ctrl-C'), 60_000, 'the stack');
    const statuses: number[] = [];
    // The catalog is public: each is an anonymous request (inventory-service is not running: 5xx, but counted).
    for (let i = 0; i < 150; i++) statuses.push((await fetch(`${GATEWAY}/api/products`)).status);
    return { statuses, output };
  } finally {
    if (stack.exitCode === null) {
      stack.kill('SIGINT');
      await new Promise((resolve) => stack.once('exit', resolve));
    }
    await deleteMessagingNamespace(infra!.rabbitmq, `profile-${id}`, []);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

(infra ? describe : describe.skip)('npm run stack -- --profile load', () => {
  it('lets a load generator through: no 429 where the default limits refuse one IP after 120 a minute', async () => {
    const standard = await statusesOf150([]);
    expect(standard.statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const load = await statusesOf150(['--profile', 'load']);
    expect(load.output).toContain('profile load: the gateway rate-limits at 100000 requests a minute');
    expect(load.statuses.filter((s) => s === 429)).toEqual([]);
  }, 150_000);

  it('refuses an unknown profile, naming the known ones', async () => {
    const run = spawn(process.execPath, ['tools/stack.mjs', '--profile', 'fast'], { cwd: root });
    let err = '';
    run.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((resolve) => run.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('unknown profile: fast (known: load)');
  });
});
