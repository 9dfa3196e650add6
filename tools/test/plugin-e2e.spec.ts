// The generator end to end, as a user runs it: in a copy of this workspace, `nx g @refarch/plugin:service loyalty
// --store postgres --consumes orders.order-approved.v1 --public` with no edit after it (and beside it a service on
// MongoDB and a worker role), then the build, lint, their own tests, the conformance suite, both overlays' render and
// policy checks, the catalog agreement, and `npm run stack -- --only user-service,api-gateway,loyalty` serving
// /api/loyalty through the gateway. Then remove-service, and the same checks pass on the workspace without them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteMessagingNamespace, dropTestDatabases, requireInfra } from '@refarch/testing';
import { root } from '../catalog.mjs';

const infra = await requireInfra('the service generator end to end', 'postgres', 'redis', 'rabbitmq');

/** Runs a command in the copy; resolves with its exit status and output (never throws). */
function run(cwd: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(args[0]!, args.slice(1), {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0', NO_COLOR: '1', ...env },
    timeout: 300_000,
  });
  // Plain text whatever the terminal (CI=true makes Nx colour its output).
  const output = `${result.stdout}${result.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
  return { status: result.status, output };
}
const node = process.execPath;
/** `npx nx g @refarch/plugin:<generator> <args>` as a user types it (without the npm install it would run). */
const nxGenerate = (cwd: string, command: string) => {
  const [generator, ...args] = command.split(' ');
  return run(cwd, [
    node,
    'node_modules/nx/dist/bin/nx.js',
    'g',
    `@refarch/plugin:${generator}`,
    ...args,
    '--skip-install',
  ]);
};

/**
 * A copy of the workspace (sources and built dist/, not .git) whose node_modules links every installed package
 * but the workspace's own, which point into the copy — what `npm install` would link for a new folder.
 */
function copyWorkspace(): string {
  const copy = mkdtempSync(path.join(tmpdir(), 'refarch-gen-'));
  const skip = new Set(['node_modules', '.git', '.nx', '.stack', '.tmp', 'coverage']);
  const tar = spawnSync('sh', [
    '-c',
    `tar -C "${root}" ${[...skip].map((s) => `--exclude=./${s} --exclude='*/node_modules'`).join(' ')} -cf - . | tar -C "${copy}" -xf -`,
  ]);
  if (tar.status !== 0) throw new Error(`copying the workspace failed: ${tar.stderr.toString()}`);
  // Packages npm installed inside a workspace folder (a version other than the root's) are linked in place.
  for (const group of ['libs', 'services', 'tools']) {
    for (const dir of readdirSync(path.join(root, group))) {
      const nested = path.join(root, group, dir, 'node_modules');
      if (existsSync(nested)) symlinkSync(nested, path.join(copy, group, dir, 'node_modules'));
    }
  }
  const modules = path.join(copy, 'node_modules');
  mkdirSync(path.join(modules, '@refarch'), { recursive: true });
  for (const entry of readdirSync(path.join(root, 'node_modules'))) {
    if (entry !== '@refarch') symlinkSync(path.join(root, 'node_modules', entry), path.join(modules, entry));
  }
  return copy;
}
/** Links the workspace packages of the copy as npm would (a new service folder included). */
function linkWorkspacePackages(copy: string) {
  const scope = path.join(copy, 'node_modules/@refarch');
  rmSync(scope, { recursive: true, force: true });
  mkdirSync(scope);
  for (const group of ['libs', 'services', 'tools']) {
    for (const dir of readdirSync(path.join(copy, group))) {
      const pkg = path.join(copy, group, dir, 'package.json');
      if (!existsSync(pkg)) continue;
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name: string }).name;
      symlinkSync(path.join(copy, group, dir), path.join(copy, 'node_modules', name));
    }
  }
  symlinkSync(path.join(copy, 'e2e'), path.join(scope, 'e2e'));
}

/** What the first test generates: the services' folders, their test paths, and the conformance entries. */
const GENERATED = {
  commands: [
    'service loyalty --store postgres --consumes orders.order-approved.v1 --public',
    // No MongoDB server here: its tests that need none run (start-up with MongoDB down), the rest and its
    // conformance print one SKIP line; with TEST_MONGO_URL all of them run.
    'service wishlist --store mongodb --publishes wishlist.item-added.v1',
    'service points --worker --consumes orders.order-approved.v1 --publishes points.points-awarded.v1 --calls user-service',
  ],
  lint: ['services/loyalty', 'services/wishlist', 'services/workers'],
  tests: ['services/loyalty', 'services/wishlist', 'services/workers/test/points.spec.ts'],
  conformance: ['loyalty', 'wishlist', 'points-worker'],
  removed: ['loyalty', 'wishlist', 'points-worker'],
};

/** The checks a workspace must pass, with and without the generated services. */
function workspaceChecks(copy: string, generated?: typeof GENERATED) {
  const failures: string[] = [];
  const check = (what: string, args: string[], env: Record<string, string> = {}) => {
    const result = run(copy, args, env);
    if (result.status !== 0) failures.push(`${what} failed (exit ${result.status}):\n${result.output.slice(-3000)}`);
    return result.output;
  };
  check('build', [node, 'tools/build.mjs']);
  check('typecheck', [node, 'node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
  check('eslint', [
    node,
    'node_modules/eslint/bin/eslint.js',
    '--max-warnings',
    '0',
    ...(generated?.lint ?? []),
    'services/api-gateway/src',
    'tools/test',
  ]);
  check('prettier', [node, 'node_modules/prettier/bin/prettier.cjs', '--check', '.']);
  const tests = [
    'k8s/test',
    'tools/test/catalog.spec.ts',
    ...(generated ? [...generated.tests, 'tools/test/conformance.spec.ts'] : []),
  ];
  const output = check('tests', [node, 'tools/test.mjs', ...tests], {
    CONFORMANCE_SERVICES: generated ? [...generated.conformance, 'api-gateway'].join(',') : '',
  });
  return { failures, summary: /\d+ passed, \d+ failed/.exec(output)?.[0] ?? '' };
}

(infra ? describe : describe.skip)('@refarch/plugin:service, end to end in a copy of the workspace', () => {
  let copy: string;
  let stack: ChildProcess | undefined;
  const namespace = `gen-${randomBytes(3).toString('hex')}`;

  beforeAll(() => {
    copy = copyWorkspace();
    linkWorkspacePackages(copy);
  }, 120_000);
  afterAll(async () => {
    if (stack && stack.exitCode === null) {
      stack.kill('SIGTERM');
      await new Promise((resolve) => stack!.once('exit', resolve));
    }
    await deleteMessagingNamespace(infra!.rabbitmq, namespace, ['loyalty']);
    await dropTestDatabases(infra!.postgres, `refarch_test_${namespace.replace(/-/g, '_')}_`);
    rmSync(copy, { recursive: true, force: true });
  });

  it('generates loyalty (and wishlist on MongoDB, a worker role points): build, lint, tests, conformance, overlays, catalog', () => {
    for (const command of GENERATED.commands) {
      const generated = nxGenerate(copy, command);
      expect([command, generated.status, generated.output.slice(-2000)]).toEqual([command, 0, expect.anything()]);
    }
    expect(existsSync(path.join(copy, 'services/loyalty/src/loyalty/loyalty.controller.ts'))).toBe(true);
    expect(existsSync(path.join(copy, 'services/workers/src/points/points.handlers.ts'))).toBe(true);
    linkWorkspacePackages(copy);
    const { failures, summary } = workspaceChecks(copy, GENERATED);
    expect(failures).toEqual([]);
    // Their own tests and the conformance checks of loyalty, points-worker and the gateway ran and passed.
    expect(summary).toMatch(/^([1-9]\d+) passed, 0 failed/);
    console.log(`generated loyalty, wishlist, points: ${summary}`);
  }, 900_000);

  it('runs in the stack: the gateway routes a signed-in caller to /api/loyalty', async () => {
    const stateDir = path.join(copy, '.stack');
    stack = spawn(
      node,
      [
        'tools/stack.mjs',
        '--only',
        'user-service,loyalty,api-gateway',
        '--no-build',
        '--state-dir',
        stateDir,
        '--db-prefix',
        `refarch_test_${namespace.replace(/-/g, '_')}_`,
        '--namespace',
        namespace,
      ],
      { cwd: copy, env: { ...process.env } },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('Press Ctrl-C to stop everything.')) resolve();
      };
      stack!.stdout!.on('data', onData);
      stack!.stderr!.on('data', onData);
      stack!.once('exit', (code) => reject(new Error(`the stack exited (${code}):\n${output}`)));
    });
    expect(output).toMatch(/✓ loyalty ready/);
    const accounts = JSON.parse(readFileSync(path.join(stateDir, 'demo-accounts.json'), 'utf8')) as Record<
      string,
      { email: string; password: string }
    >;
    const shopper = accounts['shopper']!;
    const login = await fetch('http://127.0.0.1:8080/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: shopper.email, password: shopper.password }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };

    expect((await fetch('http://127.0.0.1:8080/api/loyalty/items')).status).toBe(401);
    const created = await fetch('http://127.0.0.1:8080/api/loyalty/items', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'through the gateway' }),
    });
    expect(created.status).toBe(201);
    const item = (await created.json()) as { id: string; name: string };
    const read = await fetch(`http://127.0.0.1:8080/api/loyalty/items/${item.id}`, { headers: auth });
    expect(await read.json()).toEqual(expect.objectContaining({ id: item.id, name: 'through the gateway' }));
    // The service's own errors pass through with their code.
    const missing = await fetch('http://127.0.0.1:8080/api/loyalty/items/00000000-0000-4000-8000-000000000000', {
      headers: auth,
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('LOYALTY.ITEM_NOT_FOUND');

    stack.kill('SIGTERM');
    await new Promise((resolve) => stack!.once('exit', resolve));
  }, 180_000);

  it('remove-service takes them out, and the workspace passes the same checks', () => {
    for (const name of GENERATED.removed) {
      const removed = nxGenerate(copy, `remove-service ${name}`);
      expect([name, removed.status]).toEqual([name, 0]);
    }
    expect(existsSync(path.join(copy, 'services/loyalty'))).toBe(false);
    expect(existsSync(path.join(copy, 'services/wishlist'))).toBe(false);
    expect(existsSync(path.join(copy, 'services/workers/src/points'))).toBe(false);
    linkWorkspacePackages(copy);
    const { failures } = workspaceChecks(copy);
    expect(failures).toEqual([]);
  }, 900_000);
});
