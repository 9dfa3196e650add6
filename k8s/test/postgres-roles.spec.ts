// Least privilege in PostgreSQL: every service connects as its own role, which owns its database and may connect to
// no other (k8s/base/postgres/databases.sh, PostgreSQL's init script). The wiring is checked on the rendered
// overlays; the script itself runs against the real local PostgreSQL, on databases and roles of the test's own.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { requireInfra } from '@refarch/testing';
import pg from 'pg';
import { render } from './policy.js';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const script = readFileSync(path.join(k8s, 'base/postgres/databases.sh'), 'utf8');
const roles = [...script.matchAll(/^database (\S+)$/gm)].map((m) => m[1]!);
const overlays = Object.fromEntries(
  ['microk8s', 'production'].map((o) => [o, render(path.join(k8s, 'overlays', o)) as any[]]),
);

/** A Secret's name without the hash suffix a secretGenerator (the dev-secrets component) gives it. */
const secretName = (name: string | undefined) => name?.replace(/-[a-z0-9]{10}$/, '');

/** Every container of a Deployment, StatefulSet or CronJob, named `<kind>/<name>`. */
const containers = (objects: any[]) =>
  objects.flatMap((o) => {
    const template =
      o.kind === 'CronJob'
        ? o.spec.jobTemplate.spec.template
        : ['Deployment', 'StatefulSet'].includes(o.kind)
          ? o.spec.template
          : undefined;
    return template
      ? template.spec.containers.map((c: any) => ({ owner: `${o.kind}/${o.metadata.name}`, container: c }))
      : [];
  });

/** What is wrong with how the rendered objects connect to PostgreSQL, one line each. */
function wiringProblems(objects: any[]): string[] {
  const problems: string[] = [];
  for (const { owner, container } of containers(objects)) {
    const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e]));
    const url = env['DATABASE_URL']?.value as string | undefined;
    if (!url || !/^postgres(ql)?:\/\/[^/]*@postgres[:/]/.test(url)) continue;
    const parsed = new URL(url);
    const database = parsed.pathname.slice(1);
    if (parsed.password) problems.push(`${owner}: a password in DATABASE_URL`);
    if (parsed.username !== database) problems.push(`${owner}: connects as ${parsed.username}, not as ${database}`);
    if (!roles.includes(database)) problems.push(`${owner}: ${database} is not created by databases.sh`);
    const key = env['PGPASSWORD']?.valueFrom?.secretKeyRef;
    if (secretName(key?.name) !== 'postgres-credentials' || key.key !== database) {
      problems.push(`${owner}: PGPASSWORD is not the postgres-credentials key ${database}`);
    }
  }
  return problems;
}

describe.each(Object.keys(overlays))('overlay %s: every PostgreSQL client connects as its own role', (overlay) => {
  const objects = overlays[overlay]!;

  it("names its role in the URL (no password there) and takes that role's key of postgres-credentials", () => {
    expect(wiringProblems(objects)).toEqual([]);
    const clients = containers(objects).filter(({ container }) =>
      (container.env ?? []).some((e: any) => e.name === 'DATABASE_URL' && /@postgres:/.test(e.value ?? '')),
    );
    expect(clients.length).toBeGreaterThanOrEqual(8);
  });

  it("finds a superuser client, and one on another service's key", () => {
    const broken = structuredClone(objects);
    const env = (name: string) =>
      broken.find((o) => o.kind === 'Deployment' && o.metadata.name === name).spec.template.spec.containers[0].env;
    env('payment-service').find((e: any) => e.name === 'DATABASE_URL').value =
      'postgres://postgres@postgres:5432/refarch_payments';
    env('user-service').find((e: any) => e.name === 'PGPASSWORD').valueFrom.secretKeyRef.key = 'password';
    expect(wiringProblems(broken).sort()).toEqual([
      'Deployment/payment-service: connects as postgres, not as refarch_payments',
      'Deployment/user-service: PGPASSWORD is not the postgres-credentials key refarch_users',
    ]);
  });

  it('gives PostgreSQL the script, executable, and the Secret its keys are read from', () => {
    const statefulSet = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres');
    const volumes = Object.fromEntries(statefulSet.spec.template.spec.volumes.map((v: any) => [v.name, v]));
    const mounts = Object.fromEntries(
      statefulSet.spec.template.spec.containers[0].volumeMounts.map((m: any) => [m.name, m.mountPath]),
    );
    expect(mounts['init']).toBe('/docker-entrypoint-initdb.d');
    expect(volumes['init'].configMap.defaultMode).toBe(0o555);
    expect(mounts['credentials']).toBe('/run/postgres-credentials');
    expect(secretName(volumes['credentials'].secret.secretName)).toBe('postgres-credentials');
    const init = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volumes['init'].configMap.name);
    expect(init.data['10-databases.sh']).toBe(script);
  });
});

it('the dev-secrets component has a password for every role', () => {
  const secret = overlays['microk8s']!.find(
    (o) => o.kind === 'Secret' && o.metadata.name.startsWith('postgres-credentials'),
  );
  expect(Object.keys(secret.data).sort()).toEqual(['password', ...roles].sort());
});

const infra = await requireInfra('databases.sh on PostgreSQL', 'postgres');

(infra ? describe : describe.skip)('databases.sh on the real PostgreSQL', () => {
  const prefix = `lp_${randomBytes(3).toString('hex')}_`;
  const ours = roles.map((role) => role.replace(/^refarch_/, `refarch_test_${prefix}`));
  const credentials = mkdtempSync(path.join(tmpdir(), 'pg-credentials-'));
  const server = new URL(infra?.postgres ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const ourScript = path.join(credentials, 'databases.sh');
  writeFileSync(ourScript, script.replace(/^database refarch_/gm, `database refarch_test_${prefix}`));
  // Passwords a generator could make: quotes, @, /, #, a backslash and a space must all survive.
  for (const role of ours) writeFileSync(path.join(credentials, role), `p'a"s@s/w#o\\r d-${role}`);

  const run = (env: Record<string, string> = {}) =>
    spawnSync('sh', [ourScript], {
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH']!,
        PGHOST: server.hostname,
        PGPORT: server.port || '5432',
        POSTGRES_USER: decodeURIComponent(server.username || 'postgres'),
        CREDENTIALS_DIR: credentials,
        ...env,
      },
    });
  const as = async (role: string, database: string) => {
    const client = new pg.Client({
      host: server.hostname,
      port: Number(server.port || 5432),
      user: role,
      database,
      password: readFileSync(path.join(credentials, role), 'utf8'),
    });
    await client.connect();
    return client;
  };
  const admin = () => new pg.Client({ connectionString: infra!.postgres });

  afterAll(async () => {
    const client = admin();
    await client.connect();
    for (const role of ours) {
      await client.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${role}`);
    }
    await client.end();
    rmSync(credentials, { recursive: true, force: true });
  });

  it('creates each database owned by a login role of its name with its password, and runs again unchanged', async () => {
    for (const attempt of [1, 2]) {
      const result = run();
      expect({ attempt, status: result.status, stderr: result.stderr }).toEqual({ attempt, status: 0, stderr: '' });
    }
    const client = admin();
    await client.connect();
    const { rows } = await client.query(
      `SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolpassword IS NOT NULL AS has_password,
              pg_get_userbyid(d.datdba) AS owner
         FROM pg_authid r JOIN pg_database d ON d.datname = r.rolname WHERE r.rolname = ANY($1) ORDER BY r.rolname`,
      [ours],
    );
    await client.end();
    expect(rows).toEqual(
      [...ours].sort().map((role) => ({
        rolname: role,
        rolcanlogin: true,
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        has_password: true,
        owner: role,
      })),
    );
  });

  it('lets a role create tables in its own database (its migrations) and connect to no other', async () => {
    const [mine, theirs] = ours as [string, string];
    const client = await as(mine, mine);
    await client.query('CREATE TABLE migrated (id int PRIMARY KEY)');
    await client.query('DROP TABLE migrated');
    await expect(client.query('CREATE ROLE intruder')).rejects.toThrow(/permission denied/);
    await client.end();
    await expect(as(mine, theirs)).rejects.toThrow(/permission denied for database|CONNECT privilege/);
  });

  it('stops with the missing key named when a role has no password', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'pg-credentials-empty-'));
    try {
      const result = run({ CREDENTIALS_DIR: empty });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(
        `no password for role ${ours[0]}: add the key ${ours[0]} to the postgres-credentials Secret`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
