// `npm run stack -- --observe` on the whole stack: Debian's Prometheus scrapes every service (each target up) with the
// monitoring component's rules loaded; every rule and dashboard expression evaluates there, and every metric they
// name is one a service exports (a renamed metric fails here, not on a dashboard). Skipped with one line without the
// prometheus package (.ci/run installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteMessagingNamespace, eventually, freePort, requireInfra } from '@refarch/testing';
import { parse } from 'yaml';
import { loadCatalog, root } from '../catalog.mjs';

const monitoring = path.join(root, 'k8s/components/monitoring');
/** Every PromQL expression of the rules and of both dashboards' panels, with Grafana's variables filled in. */
function expressions(service: string): { where: string; expr: string }[] {
  const rules = parse(readFileSync(path.join(monitoring, 'rules.yaml'), 'utf8')) as {
    spec: { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  };
  const fromRules = rules.spec.groups.flatMap((g) =>
    g.rules.map((r) => ({ where: r.alert ?? r.record!, expr: r.expr })),
  );
  const fromDashboards = ['overview.json', 'service.json'].flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(path.join(monitoring, 'dashboards', file), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    return dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `${file}: ${p.title}`, expr: t.expr })));
  });
  return [...fromRules, ...fromDashboards].map(({ where, expr }) => ({
    where,
    expr: expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', service),
  }));
}

/** The metric names an expression uses (identifiers followed by `{`, `[` or standing alone, minus PromQL words). */
function metricNames(expr: string): string[] {
  const words = new Set(['sum', 'by', 'rate', 'max', 'and', 'or', 'histogram_quantile', 'le', 'on', 'without', 'bool']);
  const names = [
    ...expr
      .replace(/"[^"]*"/g, '""')
      .replace(/refarch:[a-z0-9_:]+/g, '')
      .matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g),
  ].map((m) => m[1]!);
  return names.filter((n) => !words.has(n) && /_/.test(n) && !/^[a-z]+$/.test(n) && !n.startsWith('refarch:'));
}

const infra = await requireInfra('npm run stack -- --observe', 'postgres', 'rabbitmq');
const hasPrometheus = spawnSync('/usr/bin/prometheus', ['--version']).status === 0;
if (!hasPrometheus)
  process.stderr.write('SKIP npm run stack -- --observe: no /usr/bin/prometheus (apt-get install -y prometheus)\n');

const backends = loadCatalog().filter((e) => !e.entry);

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
    await eventually(() => output.includes('Press Ctrl-C'), 90_000, 'the stack');
  }, 120_000);
  afterAll(async () => {
    if (stack?.exitCode === null) {
      stack.kill('SIGINT');
      await new Promise((r) => stack.once('exit', r));
    }
    await deleteMessagingNamespace(infra!.rabbitmq, `observe-${id}`, []);
    rmSync(stateDir, { recursive: true, force: true });
  });

  const api = async (p: string) => (await (await fetch(`${prometheus}${p}`)).json()) as { status: string; data: any };

  it('prints its URL, and scrapes every service', async () => {
    expect(output).toContain(`Prometheus: ${prometheus}`);
    await eventually(
      async () => {
        const targets = (await api('/api/v1/targets')).data.activeTargets as {
          labels: { pod: string };
          health: string;
        }[];
        return targets.filter((t) => t.health === 'up').length === backends.length;
      },
      30_000,
      'every target up',
    );
    const up = (await api('/api/v1/query?query=up%7Bnamespace%3D%22refarch%22%7D')).data.result as {
      metric: { pod: string };
    }[];
    expect(up.map((r) => r.metric.pod).sort()).toEqual(backends.map((b) => b.name).sort());
  });

  it('evaluates every rule and dashboard expression, and every metric they name is exported by a service', async () => {
    const exported = new Set<string>();
    for (const b of backends) {
      const text = await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text();
      for (const m of text.matchAll(/^# TYPE ([a-z_:][a-z0-9_:]*) (\w+)$/gm)) {
        exported.add(m[1]!);
        if (m[2] === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) exported.add(`${m[1]}${suffix}`);
      }
    }
    exported.add('up');
    const all = expressions('payment-service');
    const unknown = all.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((n) => !exported.has(n))
        .map((n) => `${where}: ${n}`),
    );
    expect(unknown).toEqual([]);
    // The check sees a renamed metric.
    expect(metricNames('max by (queue) (dead_letters_total)').filter((n) => !exported.has(n))).toEqual([
      'dead_letters_total',
    ]);
    for (const { where, expr } of all) {
      const result = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      expect([where, result.status]).toEqual([where, 'success']);
    }
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
