import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireInfra } from '@refarch/testing';

/**
 * Black-box over HTTP. Targets E2E_USER_SERVICE_URL when set (a stack you started, or a cluster); otherwise starts
 * `npm run stack -- --only user-service` itself, which also checks that the stack command works from a clean state.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const given = process.env['E2E_USER_SERVICE_URL'];
const infra = given ? {} : await requireInfra('e2e user journey (own stack)', 'postgres', 'rabbitmq');

(infra ? describe : describe.skip)('user journey over HTTP', () => {
  let base = given ?? 'http://127.0.0.1:3001';
  let stack: ChildProcess | undefined;
  let stackOutput = '';

  beforeAll(async () => {
    if (given) return;
    // `npm test` has just built everything; rebuilding here would race with tests running from dist.
    stack = spawn(process.execPath, [path.join(root, 'tools/stack.mjs'), '--only', 'user-service', '--no-build'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stack.stdout!.on('data', (d: Buffer) => (stackOutput += d.toString()));
    stack.stderr!.on('data', (d: Buffer) => (stackOutput += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (stackOutput.includes('Press Ctrl-C')) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
      stack!.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`npm run stack exited (${code}):\n${stackOutput}`));
      });
    });
    base = /user-service\s+(http:\/\/\S+)/.exec(stackOutput)![1]!;
  }, 60_000);

  afterAll(async () => {
    if (!stack) return;
    const exited = new Promise<number | null>((resolve) => stack!.once('exit', resolve));
    stack.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stackOutput).toContain('user-service stopped (exit 0)');
  });

  const json = async (method: string, url: string, body?: unknown, token?: string) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('registers, logs in and reads the profile', async () => {
    const email = `e2e-${Date.now()}@example.com`;
    const registered = await json('POST', '/auth/register', { email, password: 'e2e password', name: 'E2E' });
    expect(registered.status).toBe(201);
    const login = await json('POST', '/auth/login', { email, password: 'e2e password' });
    expect(login.status).toBe(200);
    const me = await json('GET', '/users/me', undefined, login.body.accessToken);
    expect(me).toMatchObject({ status: 200, body: { id: registered.body.id, email, name: 'E2E', role: 'user' } });
  });

  it('reports readiness and metrics by route template', async () => {
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/users\/me",status="200"\}/);
  });
});
