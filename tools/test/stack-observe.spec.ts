// `npm run stack -- --observe` on the whole stack: Debian's Prometheus scrapes every service and RabbitMQ (each target
// up) with the monitoring component's rules loaded; every rule and dashboard expression evaluates there, and every
// metric they name is one a service or RabbitMQ exports (a renamed metric fails here, not on a dashboard). Then under
// traffic and a payment outage: the breaker alert goes pending, then firing, and resolves once faults are off; every
// dashboard panel and recording rule returns data. Skipped with one line without the prometheus package (.ci/run
// installs it and enables RabbitMQ's rabbitmq_prometheus plugin).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  deleteMessagingNamespace,
  dropTestDatabases,
  eventually,
  freePort,
  httpJson,
  requireInfra,
} from '@refarch/testing';
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
const RABBITMQ_METRICS = 'http://127.0.0.1:15692/metrics/per-object';
const hasRabbitmqMetrics = await fetch(RABBITMQ_METRICS, { signal: AbortSignal.timeout(3_000) })
  .then((r) => r.ok)
  .catch(() => false);
if (hasPrometheus && !hasRabbitmqMetrics)
  process.stderr.write(
    'SKIP RabbitMQ targets and panels of --observe: no rabbitmq_prometheus on :15692 (rabbitmq-plugins enable rabbitmq_prometheus)\n',
  );
/** Every target --observe scrapes: the catalog's Node services, and RabbitMQ when its plugin answers. */
const scraped = [...backends.map((b) => b.name), ...(hasRabbitmqMetrics ? ['rabbitmq'] : [])].sort();
const GATEWAY = 'http://127.0.0.1:8080';

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
    await deleteMessagingNamespace(
      infra!.rabbitmq,
      `observe-${id}`,
      backends.filter((b) => b.consumes).map((b) => b.name),
    );
    await dropTestDatabases(infra!.postgres, `refarch_test_observe_${id}_`);
    rmSync(stateDir, { recursive: true, force: true });
  });

  const api = async (p: string) => (await (await fetch(`${prometheus}${p}`)).json()) as { status: string; data: any };

  it('prints its URL, and scrapes every service', async () => {
    expect(output).toContain(`Prometheus: ${prometheus}`);
    // The pages it points to answer (Debian's Prometheus has only its classic UI).
    const pages = /targets at (\S+), alerts at (\S+)/.exec(output)!.slice(1);
    for (const page of pages) expect([page, (await fetch(page)).status]).toEqual([page, 200]);
    await eventually(
      async () => {
        const targets = (await api('/api/v1/targets')).data.activeTargets as {
          labels: { pod: string };
          health: string;
        }[];
        return targets.filter((t) => t.health === 'up').length === scraped.length;
      },
      30_000,
      'every target up',
    );
    const up = (await api('/api/v1/query?query=up%7Bnamespace%3D%22refarch%22%7D')).data.result as {
      metric: { pod: string };
    }[];
    expect(up.map((r) => r.metric.pod).sort()).toEqual(scraped);
  });

  it('evaluates every rule and dashboard expression, and every metric they name is exported by a service', async () => {
    const exported = new Set<string>();
    const sources = [
      ...backends.map((b) => `http://127.0.0.1:${b.port}/metrics`),
      ...(hasRabbitmqMetrics ? [RABBITMQ_METRICS] : []),
    ];
    for (const source of sources) {
      const text = await (await fetch(source)).text();
      for (const m of text.matchAll(/^# TYPE ([a-z_:][a-z0-9_:]*) (\w+)$/gm)) {
        exported.add(m[1]!);
        if (m[2] === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) exported.add(`${m[1]}${suffix}`);
      }
    }
    exported.add('up');
    const all = expressions('payment-service');
    const unknown = all.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((n) => hasRabbitmqMetrics || !n.startsWith('rabbitmq_'))
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

  /** A Lab user's bearer header (the stack's demo accounts). */
  async function signIn(role: 'admin' | 'shopper') {
    const accounts = JSON.parse(readFileSync(path.join(stateDir, 'demo-accounts.json'), 'utf8')) as Record<
      string,
      { email: string; password: string }
    >;
    const { email, password } = accounts[role]!;
    const res = await httpJson(GATEWAY, 'POST', '/api/auth/login', { email, password });
    expect([role, res.status]).toEqual([role, 200]);
    return { authorization: `Bearer ${res.body.accessToken as string}` };
  }

  /** The state of an alert in Prometheus: pending, firing, or undefined (inactive). */
  const alertState = async (name: string) =>
    ((await api('/api/v1/alerts')).data.alerts as { labels: { alertname: string }; state: string }[])
      .filter((a) => a.labels.alertname === name)
      .map((a) => a.state)
      .sort()
      .at(-1);

  it('under traffic and a payment outage: the breaker alert is pending, then firing, and resolves; every panel and recording rule returns data', async () => {
    const shopper = await signIn('shopper');
    const admin = await signIn('admin');
    const place = async () => {
      const res = await httpJson(
        GATEWAY,
        'POST',
        '/api/orders',
        { items: [{ sku: 'SOCKS-PAIR', quantity: 1 }] },
        shopper,
      );
      expect([res.status, res.body]).toEqual([202, expect.objectContaining({ orderId: expect.any(String) })]);
      return res.body.orderId as string;
    };
    const statusOf = async (o: string) =>
      (await httpJson(GATEWAY, 'GET', `/api/orders/${o}`, undefined, shopper)).body.status as string;
    const orders = [await place(), await place(), await place()];
    await eventually(
      async () => (await Promise.all(orders.map(statusOf))).every((s) => s === 'APPROVED'),
      30_000,
      'orders approved',
    );

    expect(await alertState('CircuitBreakerOpen')).toBeUndefined();
    const faults = (body: unknown) => httpJson(GATEWAY, 'PUT', '/api/lab/faults/payment-service', body, admin);
    expect((await faults({ mode: 'error', errorRate: 1 })).status).toBe(200);
    const seen: (string | undefined)[] = [];
    try {
      orders.push(...(await Promise.all(Array.from({ length: 4 }, place))));
      // Orders keep coming during the outage: a saga gives up on its payment step after STEP_DEADLINE_MS (60 s), and
      // with nobody left to probe, the breaker would idle half-open before its minute is up.
      let lastOrder = Date.now();
      await eventually(
        async () => {
          if (Date.now() - lastOrder > 10_000) {
            lastOrder = Date.now();
            orders.push(await place());
          }
          const state = await alertState('CircuitBreakerOpen');
          if (seen.at(-1) !== state) seen.push(state);
          return state === 'firing';
        },
        150_000,
        'CircuitBreakerOpen firing',
      );
      // During the outage every panel has something to show (5xx, retries, open breakers, parked sagas).
      const empty: string[] = [];
      const recording = (
        (await api('/api/v1/rules')).data.groups as { rules: { type: string; name: string; query: string }[] }[]
      )
        .flatMap((g) => g.rules)
        .filter((r) => r.type === 'recording')
        .map((r) => ({ where: r.name, expr: r.query }));
      // The per-service dashboard as for the saga orchestrator: it serves HTTP and calls through breakers.
      const panels = expressions('saga-orchestrator').filter(({ where }) => where.includes('.json: '));
      for (const { where, expr } of [...panels, ...recording]) {
        if (!hasRabbitmqMetrics && expr.includes('rabbitmq_')) continue;
        const result = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`);
        if ((result.data.result as unknown[]).length === 0) empty.push(`${where}: ${expr}`);
      }
      expect(empty).toEqual([]);
    } finally {
      await faults({ mode: 'off' });
    }
    // Pending first (the breaker opened, the minute runs), then firing.
    expect(seen.filter(Boolean)).toEqual(['pending', 'firing']);
    await eventually(async () => (await alertState('CircuitBreakerOpen')) === undefined, 90_000, 'the alert resolved');
    // Nothing is lost: the orders of the outage end too (rejected once their payment step outlived its deadline).
    await eventually(
      async () => (await Promise.all(orders.map(statusOf))).every((s) => s === 'APPROVED' || s === 'REJECTED'),
      60_000,
      'every order terminal',
    );
  }, 330_000);
});
