// Thresholds: the syntax (and its errors), whole-run verdicts, sliding windows, and the delay before abort-on-fail.
import { describe, expect, it } from '@jest/globals';
import { Recorder } from '../src/recorder.js';
import { parseThreshold, ThresholdJudge } from '../src/thresholds.js';

describe('parseThreshold', () => {
  it.each([
    ['place p99 < 300ms', { metric: 'place', stat: { kind: 'percentile', p: 99 }, op: '<', value: 300 }],
    ['errors rate < 1%', { metric: 'errors', stat: { kind: 'rate' }, op: '<', value: 0.01 }],
    ['orders completed rate > 99%', { metric: 'orders completed', stat: { kind: 'rate' }, op: '>', value: 0.99 }],
    ['saga completion p99 < 2s', { metric: 'saga completion', stat: { kind: 'percentile', p: 99 }, value: 2_000 }],
    [
      'place p99.9 <= 1.5s over 10s',
      { stat: { kind: 'percentile', p: 99.9 }, op: '<=', value: 1_500, windowMs: 10_000 },
    ],
    ['dropped iterations count == 0', { metric: 'dropped iterations', stat: { kind: 'count' }, op: '==', value: 0 }],
  ])('reads %s', (source, expected) => {
    expect(parseThreshold(source)).toMatchObject(expected);
  });

  it.each([
    ['place p99 300ms', 'not understood'],
    ['place p99 < 300', 'a latency needs a unit'],
    ['errors rate < 1', 'a rate is a percentage'],
    ['place p100 < 1s', 'p100 is not a percentile'],
  ])('refuses %s, quoting it', (source, why) => {
    expect(() => parseThreshold(source)).toThrow(`threshold "${source}": ${why}`);
  });
});

/** A recorder with `perSecond[i]` requests of `latency(i)` ms in second i. */
function recorded(perSecond: number[], latency: (second: number) => number): Recorder {
  const recorder = new Recorder(0);
  perSecond.forEach((n, second) => {
    for (let i = 0; i < n; i++) {
      const at = second * 1_000 + (i * 1_000) / n;
      recorder.latency('place', at, at, at + latency(second));
      recorder.check('placed', latency(second) < 1_000, at + latency(second));
    }
  });
  return recorder;
}

describe('ThresholdJudge', () => {
  it('judges the whole run, naming the figure', () => {
    const recorder = recorded([10, 10], () => 50);
    const [fast, slow] = new ThresholdJudge(
      [parseThreshold('place p99 < 100ms'), parseThreshold('place p99 < 10ms')],
      recorder,
    ).final(2);
    expect(fast).toMatchObject({ ok: true, detail: '50 ms' });
    expect(slow).toMatchObject({ ok: false, detail: '50 ms' });
  });

  it('fails a metric with no data, so a misspelt name cannot pass', () => {
    const [verdict] = new ThresholdJudge(
      [parseThreshold('plaec p99 < 1s')],
      recorded([5], () => 5),
    ).final(1);
    expect(verdict).toMatchObject({ ok: false, detail: 'no data for "plaec"' });
  });

  it('a sliding window catches a slow stretch that the whole run hides', () => {
    // 20 s at 20 ms, with 3 s at 900 ms in the middle: the run's p95 is fine, the 3 s windows are not.
    const recorder = recorded(Array(20).fill(10), (s) => (s >= 8 && s < 11 ? 900 : 20));
    const whole = parseThreshold('place p80 < 100ms');
    const windowed = parseThreshold('place p80 < 100ms over 3s');
    const judge = new ThresholdJudge([whole, windowed], recorder);
    const verdicts = judge.final(20);
    expect(verdicts[0]).toMatchObject({ ok: true });
    expect(verdicts[1]).toMatchObject({ ok: false, brokeAt: 10, detail: '900 ms in seconds 7–10' });
  });

  it('holds a sliding window that never broke, and fails one longer than the run', () => {
    const recorder = recorded(Array(5).fill(10), () => 20);
    const [held, tooLong] = new ThresholdJudge(
      [parseThreshold('place p99 < 100ms over 2s'), parseThreshold('place p99 < 100ms over 30s')],
      recorder,
    ).final(5);
    expect(held).toMatchObject({ ok: true, detail: 'held in every 2 s window' });
    expect(tooLong).toMatchObject({ ok: false, detail: 'the run (5 s) was shorter than its window' });
  });

  it('does not abort before the delay, and does after it', () => {
    const recorder = recorded([10, 10, 10], () => 2_000);
    const judge = new ThresholdJudge(
      [parseThreshold('errors rate < 1%', { abortOnFail: true, delay: '2s' })],
      recorder,
    );
    expect(judge.abortingNow(1_000)).toEqual([]);
    expect(judge.abortingNow(2_000)).toMatchObject([{ ok: false, detail: '100.00%' }]);
  });
});
