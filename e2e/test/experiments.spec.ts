import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireInfra } from '@refarch/testing';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { FRONTEND, GATEWAY, root, startStack, type E2eStack } from './stack.js';

/**
 * The shipped experiments, smoke-sized (9 s of load each, payment-latency 12 s), against a stack of their own with the fault proxy in
 * front of every dependency: each must pass — breaker, retry, outbox, DLQ and restart assertions and every saga
 * invariant. Then `npm run verify` on the data they left, clean and after corrupting one order.
 */
const infra = await requireInfra('e2e experiments (the whole stack)', 'postgres', 'redis', 'rabbitmq');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const EXPERIMENTS = readdirSync(path.join(root, 'tools/lab/experiments'))
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -4))
  .sort();

(infra ? describe : describe.skip)('the lab’s experiments against the whole stack', () => {
  let stack: E2eStack;
  let out: string;
  const lab = (tool: string, ...args: string[]) =>
    spawnSync(
      process.execPath,
      [
        `tools/lab/dist/${tool}`,
        ...args,
        ...['--base-url', GATEWAY, '--state-dir', stack.stateDir],
        ...['--admin-email', stack.accounts.admin.email, '--admin-password', stack.accounts.admin.password],
      ],
      { cwd: root, encoding: 'utf8', timeout: 150_000 },
    );

  beforeAll(async () => {
    // The experiments sign up their own shoppers: the anonymous limit (120 a minute per IP) sized for people.
    stack = await startStack(infra!, { faultProxy: true, env: { RATE_LIMIT_ANONYMOUS_POINTS: '100000' } });
    out = path.join('.lab', `e2e-${stack.id}`);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('ships the seven experiments of the plan', () => {
    expect(EXPERIMENTS).toEqual([
      'broker-outage',
      'database-outage',
      'orchestrator-kill',
      'payment-errors',
      'payment-latency',
      'redis-down',
      'shipping-worker-crash',
    ]);
  });

  it.each(EXPERIMENTS)(
    '%s passes, smoke-sized: every resilience assertion and invariant holds',
    (name) => {
      // Each fault is over by 8 s (payment-latency's by 12 s: a timeout is known only after 2 s).
      const duration = name === 'payment-latency' ? '12s' : '9s';
      const run = lab('experiment-cli.js', name, '--duration', duration, '--out', path.join(out, name));
      const verdict = /experiment: (all \d+ checks held|.*checks failed.*)/.exec(run.stdout)?.[0];
      expect({ status: run.status, verdict, stderr: run.status === 0 ? '' : run.stderr.slice(-1500) }).toEqual({
        status: 0,
        verdict: expect.stringMatching(/^experiment: all \d+ checks held$/),
        stderr: '',
      });
      expect(existsSync(path.join(root, out, name, 'report.html'))).toBe(true);
    },
    150_000,
  );

  it('npm run k8s:smoke -- --lab: the public scenarios, then the payment-errors experiment through the same entry', () => {
    const run = spawnSync(
      process.execPath,
      [
        'tools/k8s-smoke.mjs',
        ...['--no-wait', '--base-url', FRONTEND, '--api-url', GATEWAY, '--lab', '--lab-duration', '9s'],
        ...['--state-dir', stack.stateDir],
        ...['--admin-email', stack.accounts.admin.email, '--admin-password', stack.accounts.admin.password],
      ],
      { cwd: root, encoding: 'utf8', timeout: 200_000 },
    );
    expect({ status: run.status, out: run.stdout }).toEqual({
      status: 0,
      out: expect.stringMatching(
        /✓ the lab's payment-errors experiment holds every assertion[\s\S]*k8s:smoke: 8 passed, 0 failed/,
      ),
    });
  }, 200_000);

  it('the network faults went through the fault proxy: each left its mark while it lasted', () => {
    const summary = (name: string) =>
      JSON.parse(readFileSync(path.join(root, out, name, 'summary.json'), 'utf8')) as {
        load: { rates: Record<string, { passes: number; fails: number }> };
        metrics: { name: string; points: [number, number][] }[];
      };
    // RabbitMQ cut: the outboxes kept the events meanwhile (and drained, as the experiment asserted).
    const outbox = summary('broker-outage')
      .metrics.filter((s) => s.name === 'outbox_pending')
      .flatMap((s) => s.points.map(([, v]) => v));
    expect(Math.max(...outbox)).toBeGreaterThan(0);
    // PostgreSQL cut: some requests were refused (failed checks) while it lasted.
    expect(summary('database-outage').load.rates['errors']!.passes).toBeGreaterThan(0);
  });

  it('payment-errors: its report shows the breaker opening and closing, drawn in Chromium', async () => {
    const dir = path.join(root, out, 'payment-errors');
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as {
      windows: { from: number; to: number }[];
      metrics: { name: string; labels: Record<string, string>; points: [number, number][] }[];
    };
    const lane = summary.metrics.find(
      (s) => s.name === 'circuit_breaker_state' && s.labels['breaker'] === 'saga-orchestrator->payment-service',
    )!;
    const [fault] = summary.windows;
    const opened = lane.points.find(([second, v]) => second >= fault!.from && v === 2);
    const closed = lane.points.find(([second, v]) => second > opened![0] && v === 0);
    expect({ opened: opened !== undefined, closed: closed !== undefined }).toEqual({ opened: true, closed: true });
    if (!existsSync(CHROMIUM)) return;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
      await page.goto(`file://${path.join(dir, 'report.html')}`);
      const drawn = {
        charts: await page.locator('.uplot canvas').count(),
        headings: await page.locator('h2').allTextContents(),
        verdict: await page.locator('.verdict').textContent(),
      };
      expect({ errors, requests, verdict: drawn.verdict }).toEqual({ errors: [], requests: [], verdict: 'PASS' });
      expect(drawn.headings).toEqual(
        expect.arrayContaining([
          'Throughput',
          'Latency: place',
          'Error rate',
          'Order outcomes',
          'Breakers',
          'Verdicts',
        ]),
      );
      expect(drawn.charts).toBeGreaterThanOrEqual(7);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('npm run verify holds on what the experiments left, and names the order of a corrupted ledger', async () => {
    const clean = lab('verify-cli.js');
    expect({ status: clean.status, out: clean.stdout.slice(-200) }).toEqual({
      status: 0,
      out: expect.stringContaining('verify: every invariant holds'),
    });
    // A captured payment for a rejected order: the order-service's row of an approved order turned to REJECTED.
    const ordersDb = new URL(infra!.postgres);
    ordersDb.pathname = `/${stack.dbPrefix}orders`;
    const orders = new pg.Client({ connectionString: ordersDb.toString() });
    await orders.connect();
    try {
      const { rows } = await orders.query<{ id: string }>(
        `UPDATE orders SET status = 'REJECTED' WHERE id = (SELECT id FROM orders WHERE status = 'APPROVED' LIMIT 1) RETURNING id`,
      );
      const corrupted = rows[0]!.id;
      const broken = lab('verify-cli.js', '--wait', '0s');
      expect(broken.status).toBe(1);
      expect(broken.stdout).toContain(`${corrupted}: rejected, but its payment is CAPTURED`);
      expect(broken.stdout).toMatch(/✗ money captured = approved totals/);
      await orders.query(`UPDATE orders SET status = 'APPROVED' WHERE id = $1`, [corrupted]);
    } finally {
      await orders.end();
    }
  }, 90_000);
});
