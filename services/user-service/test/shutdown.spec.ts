import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTestDatabase,
  deleteMessagingNamespace,
  requireInfra,
  testNamespace,
  type TestDatabase,
} from '@refarch/testing';
import { newSigningKey } from './harness.js';

const infra = await requireInfra('user-service SIGTERM drain', 'postgres', 'rabbitmq');
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

(infra ? describe : describe.skip)('SIGTERM during a burst (built service, real process)', () => {
  let db: TestDatabase;
  // Its own exchanges: a sign-up's users.user-registered.v1 must not reach a local stack's consumers.
  const namespace = testNamespace('users-sigterm');
  beforeAll(async () => {
    db = await createTestDatabase(infra!.postgres, 'users_sigterm');
  });
  afterAll(async () => {
    await db.drop();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace);
  });

  it('completes every accepted request and exits 0', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        RABBITMQ_URL: infra!.rabbitmq,
        MESSAGING_NAMESPACE: namespace,
        JWT_PRIVATE_KEY: newSigningKey(),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"([^"]+)"/.exec(output);
        if (match) resolve(match[1]!);
      });
      let errors = '';
      child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}${errors}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    // Registrations hash a password (argon2id): slow enough that many are in flight when SIGTERM lands.
    const burst = Array.from({ length: 40 }, (_, i) =>
      fetch(`${url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `burst${i}@example.com`, password: 'password123', name: `B${i}` }),
      }).then(
        (r) => r.status,
        () => 'not accepted' as const,
      ),
    );
    await new Promise((r) => setTimeout(r, 30));
    child.kill('SIGTERM');
    const statuses = await Promise.all(burst);
    const code = await exited;

    const accepted = statuses.filter((s) => s !== 'not accepted' && s !== 503);
    expect(accepted.length).toBeGreaterThan(0);
    // Every request the server took on finished normally: no 5xx, no connection reset.
    expect(accepted.every((s) => s === 201)).toBe(true);
    expect(code).toBe(0);
    expect(output).toContain('shutdown complete');
    // The drain really happened: requests in flight at SIGTERM completed after the shutdown began.
    const afterSignal = output.slice(output.indexOf('shutting down'));
    expect(afterSignal.match(/"route":"\/auth\/register","status":201/g)?.length ?? 0).toBeGreaterThan(0);

    // And what was acknowledged really is stored.
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM users WHERE email LIKE 'burst%'`,
    );
    await client.end();
    expect(Number(rows[0]!.n)).toBe(accepted.length);
  });
});
