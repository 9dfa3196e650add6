// `npm run stack -- --observe`: Debian's Prometheus scrapes every started service (each target up) with the
// monitoring component's rules loaded, and every rule expression evaluates there. Skipped with one line without the
// prometheus package (.ci/run installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteMessagingNamespace, eventually, freePort, requireInfra } from '@refarch/testing';
import { root } from '../catalog.mjs';

const infra = await requireInfra('npm run stack -- --observe', 'postgres', 'rabbitmq');
const hasPrometheus = spawnSync('/usr/bin/prometheus', ['--version']).status === 0;
if (!hasPrometheus)
  process.stderr.write('SKIP npm run stack -- --observe: no /usr/bin/prometheus (apt-get install -y prometheus)\n');

(infra && hasPrometheus ? describe : describe.skip)('npm run stack -- --observe', () => {
  const id = randomBytes(3).toString('hex');
  const stateDir = path.join(root, '.tmp', `observe-${id}`);
  let stack: ChildProcess;
  let prometheus: string;
  let output = '';

  beforeAll(async () => {
    const port = await freePort();
    prometheus = `http://127.0.0.1:${port}`;
    stack = spawn(
      process.execPath,
      [
        'tools/stack.mjs',
        '--only',
        'user-service,payment-service',
        '--observe',
        '--prometheus-port',
        String(port),
        '--no-build',
        '--state-dir',
        stateDir,
        '--db-prefix',
        `refarch_test_observe_${id}_`,
        '--namespace',
        `observe-${id}`,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    stack.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    stack.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(() => output.includes('Press Ctrl-C'), 60_000, 'the stack');
  }, 90_000);
  afterAll(async () => {
    if (stack?.exitCode === null) {
      stack.kill('SIGINT');
      await new Promise((r) => stack.once('exit', r));
    }
    await deleteMessagingNamespace(infra!.rabbitmq, `observe-${id}`, []);
    rmSync(stateDir, { recursive: true, force: true });
  });

  const api = async (p: string) => (await (await fetch(`${prometheus}${p}`)).json()) as { status: string; data: any };

  it('prints its URL, and scrapes every started service', async () => {
    expect(output).toContain(`Prometheus: ${prometheus}`);
    await eventually(
      async () => {
        const targets = (await api('/api/v1/targets')).data.activeTargets as {
          labels: { pod: string };
          health: string;
        }[];
        return targets.filter((t) => t.health === 'up').length === 2;
      },
      30_000,
      'both targets up',
    );
    const up = (await api('/api/v1/query?query=up%7Bnamespace%3D%22refarch%22%7D')).data.result as {
      metric: { pod: string };
    }[];
    expect(up.map((r) => r.metric.pod).sort()).toEqual(['payment-service', 'user-service']);
  });

  it('has every rule of k8s/components/monitoring loaded, and each expression evaluates', async () => {
    const groups = (await api('/api/v1/rules')).data.groups as {
      rules: { name: string; query: string; health: string }[];
    }[];
    const rules = groups.flatMap((g) => g.rules);
    expect(rules).toHaveLength(12);
    for (const rule of rules) {
      const result = await api(`/api/v1/query?query=${encodeURIComponent(rule.query)}`);
      expect([rule.name, result.status]).toEqual([rule.name, 'success']);
    }
  });
});
