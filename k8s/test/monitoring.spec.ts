// The monitoring component: its PodMonitor and PrometheusRule render in the MicroK8s overlay and validate against the
// prometheus-operator CRD schemas (overlays.spec.ts), and its rules pass `promtool check rules` and their unit tests
// (rules.test.yaml: each alert fires on a series that should fire it, and stays silent on one that should not).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { loadCatalog } from '../../tools/catalog.mjs';
import { render, type K8sObject } from './policy.js';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROMTOOL = process.env['PROMTOOL'] ?? '/usr/bin/promtool';
const hasPromtool = spawnSync(PROMTOOL, ['--version']).status === 0;
if (!hasPromtool)
  process.stderr.write(`SKIP monitoring rules: no promtool at ${PROMTOOL} (apt-get install -y prometheus)\n`);

const objects = render(path.join(k8s, 'overlays/microk8s'));
const rule = objects.find((o) => o.kind === 'PrometheusRule' && o.metadata.name === 'refarch') as K8sObject & {
  spec: { groups: { name: string; rules: Record<string, unknown>[] }[] };
};
const work = mkdtempSync(path.join(tmpdir(), 'refarch-rules-'));

/** Writes `groups` as a Prometheus rule file next to the unit tests, and runs promtool `args` on it. */
function promtool(groups: unknown, ...args: string[]) {
  writeFileSync(path.join(work, 'refarch.rules.yaml'), stringify({ groups }));
  copyFileSync(path.join(k8s, 'components/monitoring/rules.test.yaml'), path.join(work, 'rules.test.yaml'));
  const result = spawnSync(PROMTOOL, args, { cwd: work, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the monitoring component', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('selects every RefArch pod for the addon’s Prometheus (release: kube-prom-stack)', () => {
    const monitor = objects.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'refarch') as K8sObject & {
      spec: any;
      metadata: any;
    };
    expect(monitor.metadata.labels.release).toBe('kube-prom-stack');
    expect(monitor.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/part-of': 'refarch' });
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    // …and it selects pods, not only Deployments: exactly the catalog's Node services (they serve /metrics), not the
    // frontend, the mail catcher or the stores.
    const matches = (labels: Record<string, string> = {}) =>
      Object.entries(monitor.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v) &&
      ((monitor.spec.selector.matchExpressions ?? []) as { key: string; operator: string; values: string[] }[]).every(
        (e) => e.operator === 'In' && e.values.includes(labels[e.key]!),
      );
    const selected = (objects as (K8sObject & { spec: any })[])
      .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
      .filter((w) => matches(w.spec.template.metadata.labels))
      .map((w) => w.metadata.name)
      .sort();
    expect(selected).toEqual(
      loadCatalog()
        .filter((e) => !e.entry)
        .map((e) => e.name)
        .sort(),
    );
    expect(rule.metadata).toMatchObject({ labels: { release: 'kube-prom-stack' } });
    // RabbitMQ by its rabbitmq_prometheus port, which its StatefulSet declares.
    const rabbit = objects.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'rabbitmq') as K8sObject & {
      spec: any;
    };
    expect(rabbit.spec.podMetricsEndpoints[0].port).toBe('prometheus');
    const statefulSet = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'rabbitmq') as K8sObject & {
      spec: any;
    };
    expect(statefulSet.spec.template.spec.containers[0].ports).toContainEqual({
      name: 'prometheus',
      containerPort: 15692,
    });
    const alerts = rule.spec.groups.flatMap((g) => g.rules.map((r) => r['alert'])).filter(Boolean);
    expect(alerts.sort()).toEqual([
      'CircuitBreakerOpen',
      'DeadLetters',
      'EventLoopLag',
      'OrderPlacementLatencyBudgetBurn',
      'OrdersNotCompletingBudgetBurn',
      'OutboxLagging',
      'SagaCompensationFailed',
      'TargetDown',
    ]);
  });

  (hasPromtool ? it : it.skip)('passes promtool check rules and every rule unit test', () => {
    const check = promtool(rule.spec.groups, 'check', 'rules', 'refarch.rules.yaml');
    expect([check.status, check.output]).toEqual([0, expect.stringContaining('SUCCESS: 12 rules found')]);
    const test = promtool(rule.spec.groups, 'test', 'rules', 'rules.test.yaml');
    expect([test.status, test.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  (hasPromtool ? it : it.skip)('fails the unit tests when a metric an alert uses is renamed', () => {
    const renamed = JSON.parse(JSON.stringify(rule.spec.groups).replaceAll('dlq_messages', 'dead_letters_total'));
    const test = promtool(renamed, 'test', 'rules', 'rules.test.yaml');
    expect(test.status).not.toBe(0);
    expect(test.output).toContain('alertname: DeadLetters');
  });
});
