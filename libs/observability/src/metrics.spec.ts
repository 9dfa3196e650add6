import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { createMetrics } from './metrics.js';

const PROMTOOL = process.env['PROMTOOL_PATH'] ?? '/usr/bin/promtool';
const promtool = spawnSync(PROMTOOL, ['--version']).status === 0;
if (!promtool)
  process.stderr.write(`SKIP promtool check: no promtool at ${PROMTOOL} (apt-get install -y prometheus)\n`);

describe('createMetrics', () => {
  it('has the process and event-loop metrics, and no gauge named like a counter', async () => {
    const { registry } = createMetrics('test-service');
    const metrics = await registry.getMetricsAsJSON();
    const names = metrics.map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'process_cpu_seconds_total',
        'nodejs_eventloop_lag_p99_seconds',
        'nodejs_active_handles',
      ]),
    );
    expect(metrics.filter((m) => String(m.type) === 'gauge' && m.name.endsWith('_total')).map((m) => m.name)).toEqual(
      [],
    );
  });

  (promtool ? it : it.skip)('passes `promtool check metrics`', async () => {
    const { registry, httpDuration } = createMetrics('test-service');
    httpDuration.observe({ method: 'GET', route: '/orders/:id', status: '200' }, 0.012);
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: await registry.metrics(), encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);
  });
});
