// The resilience assertions, judged on timelines written by hand: each passes on the behaviour it names and fails,
// saying why, without it (a breaker that never opens — BREAKERS=off —, one that opens late or never closes, a retry
// storm, a DLQ that grew, orders that timed out, a killed process that never came back).
import { describe, expect, it } from '@jest/globals';
import { systemClock } from '../src/clock.js';
import { experimentProblems, increase, judgeAssertions, type AssertionSpec } from '../src/experiment.js';
import { MetricsTimeline, parseMetrics } from '../src/metrics.js';
import { Recorder } from '../src/recorder.js';
import type { RunResult } from '../src/run.js';

/** A timeline of series: `[service, name, labels, values by second]`. */
function timeline(...series: [string, string, Record<string, string>, (number | null)[]][]) {
  const metrics = new MetricsTimeline({ targets: [] }, systemClock);
  for (const [service, name, labels, values] of series) {
    const points = values.flatMap((v, second) => (v === null ? [] : [[second, v] as [number, number]]));
    metrics.series.set(`${service}|${name}|${JSON.stringify(labels)}`, { service, name, labels, points });
  }
  return metrics;
}

function load(orders: { placed: number; completed: number; timedOut?: number }): RunResult {
  const recorder = new Recorder(0);
  for (let i = 0; i < orders.placed; i++) recorder.count('orders placed', 1);
  for (let i = 0; i < orders.completed; i++) recorder.rate('orders completed', true, 2);
  for (let i = 0; i < (orders.timedOut ?? 0); i++) {
    recorder.rate('orders completed', false, 2);
    recorder.count('orders timed out', 2);
  }
  return { recorder, verdicts: [] } as unknown as RunResult;
}

const window = { fault: 'payment-service error', kind: 'service' as const, from: 4, to: 12 };
const breaker: AssertionSpec = {
  assert: 'breaker',
  breaker: 'saga-orchestrator->payment-service',
  opensWithin: '6s',
  closesWithin: '10s',
};
const judge = (assertion: AssertionSpec, metrics: MetricsTimeline, run = load({ placed: 1, completed: 1 })) =>
  judgeAssertions([assertion], { metrics, windows: [window], load: run })[0]!;
const state = (values: number[]) =>
  timeline(['saga-orchestrator', 'circuit_breaker_state', { breaker: 'saga-orchestrator->payment-service' }, values]);

describe('the breaker assertion', () => {
  it('holds when the breaker opened soon after the fault and closed soon after the rollback', () => {
    //                            0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17
    const j = judge(breaker, state([0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0]));
    expect(j).toMatchObject({ ok: true, detail: 'opened 2 s after the fault, closed 4 s after the rollback' });
  });

  it('fails when the breaker never opened (BREAKERS=off)', () => {
    expect(judge(breaker, state(Array(20).fill(0)))).toMatchObject({ ok: false, detail: 'it never opened' });
  });

  it('fails when it opened too late, or never closed', () => {
    expect(judge(breaker, state([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0])).detail).toBe(
      'it opened 7 s after the fault',
    );
    expect(
      judge(breaker, state([0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2])),
    ).toMatchObject({ ok: false, detail: 'opened after 1 s, never closed' });
    expect(judge(breaker, state([0, 0, 0, 0, 0, 2, ...Array(20).fill(2), 0]))).toMatchObject({
      ok: false,
      detail: 'opened 1 s after the fault, closed 14 s after the rollback',
    });
  });

  it('fails on a breaker the metrics do not have (a misspelt name cannot pass)', () => {
    expect(judge({ ...breaker, breaker: 'saga-orchestrator->paymnet-service' }, state([0, 2, 0]))).toMatchObject({
      ok: false,
      detail: 'no such breaker in the metrics',
    });
  });
});

describe('the other resilience assertions', () => {
  const retries = (retried: number[], calls: number[]) =>
    timeline(
      ['saga-orchestrator', 'retry_attempts_total', { dependency: 'payment-service', outcome: 'retry' }, retried],
      [
        'saga-orchestrator',
        'circuit_breaker_calls_total',
        { breaker: 'saga-orchestrator->payment-service', result: 'success' },
        calls,
      ],
    );
  const retryAssertion: AssertionSpec = {
    assert: 'retries',
    service: 'saga-orchestrator',
    dependency: 'payment-service',
  };

  it('retries within the budget hold; a retry storm fails', () => {
    expect(judge(retryAssertion, retries([0, 5, 10], [0, 105, 210]))).toMatchObject({
      ok: true,
      detail: '10 retries for 200 first attempts (budget 140)',
    });
    // A caller that saved tokens before the run may spend them in it: up to the bucket's ceiling of 100.
    expect(judge(retryAssertion, retries([0, 70, 130], [0, 170, 330]))).toMatchObject({
      ok: true,
      detail: '130 retries for 200 first attempts (budget 140)',
    });
    // Unbudgeted, every failing call retries twice.
    expect(judge(retryAssertion, retries([0, 200, 400], [0, 300, 600]))).toMatchObject({
      ok: false,
      detail: '400 retries for 200 first attempts (budget 140)',
    });
  });

  it('counts a counter across a restart (a drop is a new process counting from 0)', () => {
    expect(increase(retries([3, 8, 2, 5], []).find('retry_attempts_total'))).toBe(10);
  });

  it('every order terminal: fails on an order that timed out', () => {
    const metrics = timeline();
    expect(judge({ assert: 'orders terminal' }, metrics, load({ placed: 10, completed: 10 })).ok).toBe(true);
    expect(
      judge({ assert: 'orders terminal' }, metrics, load({ placed: 10, completed: 9, timedOut: 1 })),
    ).toMatchObject({
      ok: false,
      detail: '9 of 10 placed completed, 1 timed out, 0 abandoned',
    });
  });

  it('the outbox drained: fails while a backlog is left', () => {
    const drained = timeline(['order-service', 'outbox_pending', {}, [0, 30, 12, 0]]);
    expect(judge({ assert: 'outbox drained' }, drained)).toMatchObject({ ok: true });
    const left = timeline(['order-service', 'outbox_pending', {}, [0, 30, 12, 4]]);
    expect(judge({ assert: 'outbox drained' }, left)).toMatchObject({ ok: false, detail: 'order-service 4' });
  });

  it('the DLQs: a message that arrived fails, unless the experiment expects it; old ones do not count', () => {
    const grew = timeline(['notification-worker', 'dlq_messages', { queue: 'notification' }, [3, 3, 4]]);
    expect(judge({ assert: 'dlqs' }, grew)).toMatchObject({ ok: false, detail: 'notification +1 (expected +0)' });
    expect(judge({ assert: 'dlqs', expect: { notification: 1 } }, grew)).toMatchObject({ ok: true });
    const old = timeline(['notification-worker', 'dlq_messages', { queue: 'notification' }, [3, 3, 3]]);
    expect(judge({ assert: 'dlqs' }, old)).toMatchObject({ ok: true, detail: 'every DLQ as it was' });
  });

  it('a killed process came back in time; one that stayed down fails', () => {
    const restarted = { assert: 'restarted', service: 'saga-orchestrator', within: '15s' } as const;
    const back = timeline(['saga-orchestrator', 'up', {}, [1, 1, 1, 1, 1, 0, 0, 1, 1]]);
    expect(judge(restarted, back)).toMatchObject({ ok: true, detail: 'down at 5 s, back at 7 s' });
    const gone = timeline(['saga-orchestrator', 'up', {}, [1, 1, 1, 1, 1, 0, 0, 0, 0]]);
    expect(judge(restarted, gone)).toMatchObject({ ok: false, detail: 'down from 5 s, never back' });
  });
});

describe('an experiment file', () => {
  it('is checked before it runs, every problem named', () => {
    expect(
      experimentProblems({
        name: 'x',
        description: '',
        faults: [{ at: 'soon', kind: 'network', link: 'postgres', mode: 'down', for: '5s' }],
        assertions: [{ assert: 'vibes' } as never],
      }),
    ).toEqual([
      expect.stringContaining('faults[0].at'),
      'faults[0].link: <service>-><dependency>, or *-><dependency> for every service',
      'assertions[0].assert: breaker, retries, orders terminal, outbox drained, dlqs or restarted',
    ]);
  });
});

describe('parseMetrics', () => {
  it('reads the families the lab keeps, with their labels, and skips the rest', () => {
    const text = [
      '# HELP circuit_breaker_state Circuit breaker state',
      'circuit_breaker_state{breaker="a->b",service="a"} 2',
      'http_requests_total{route="/x"} 5',
      'outbox_pending 3',
      'dlq_messages{queue="q \\"1\\""} NaN',
    ].join('\n');
    expect(parseMetrics(text)).toEqual([
      { name: 'circuit_breaker_state', labels: { breaker: 'a->b', service: 'a' }, value: 2 },
      { name: 'outbox_pending', labels: {}, value: 3 },
      { name: 'dlq_messages', labels: { queue: 'q "1"' }, value: Number.NaN },
    ]);
  });
});
