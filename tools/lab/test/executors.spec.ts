// The executors on Jest's fake clock (performance.now and setTimeout): when iterations start, how many are dropped,
// and that a slow system under test delays no later arrival of the open model.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { arrivals, rateAt, runExecutor, validateSpec, type ExecutorSpec } from '../src/executors.js';
import { Recorder } from '../src/recorder.js';

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

/** Runs the spec to its end on the fake clock, recording each iteration's start offset. */
async function run(spec: ExecutorSpec, iteration: (at: number) => Promise<void> = () => Promise.resolve()) {
  const t0 = performance.now();
  const starts: number[] = [];
  const intended: number[] = [];
  const done = runExecutor(spec, async ({ intendedStart }) => {
    starts.push(Math.round(performance.now() - t0));
    intended.push(Math.round(intendedStart - t0));
    await iteration(performance.now() - t0);
  });
  await jest.advanceTimersByTimeAsync(120_000);
  return { result: await done, starts, intended };
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('constant-arrival-rate', () => {
  it('starts iterations on the schedule, 100 ms apart at 10/s, for exactly its duration', async () => {
    const { result, starts } = await run({ executor: 'constant-arrival-rate', rate: 10, duration: '1s' });
    expect(starts).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(result).toMatchObject({ started: 10, dropped: 0, durationMs: 1_000, aborted: false });
  });

  it('does not wait for slow responses: each arrival starts on time while the earlier ones hang', async () => {
    const { starts, result } = await run({ executor: 'constant-arrival-rate', rate: 4, duration: '1s' }, () =>
      sleep(5_000),
    );
    expect(starts).toEqual([0, 250, 500, 750]);
    expect(result.maxInFlightSeen).toBe(4);
  });

  it('drops (and counts) an arrival due while maxInFlight iterations are running', async () => {
    const { result, starts } = await run(
      { executor: 'constant-arrival-rate', rate: 10, duration: '1s', maxInFlight: 2 },
      () => sleep(250),
    );
    // 0 and 100 run until 250 and 350: 200 and 300 find two in flight; 400 finds 200… — every other one.
    expect(result.started + result.dropped).toBe(10);
    expect(result.dropped).toBeGreaterThan(0);
    expect(starts.slice(0, 3)).toEqual([0, 100, 300]);
  });
});

describe('ramping-arrival-rate', () => {
  const ramp: ExecutorSpec = {
    executor: 'ramping-arrival-rate',
    startRate: 0,
    stages: [
      { target: 20, duration: '2s' },
      { target: 20, duration: '1s' },
    ],
  };

  it('follows the rate: 0 → 20/s over 2 s is 20 iterations, then 20 in the flat second, denser as it ramps', async () => {
    expect([rateAt(ramp, 0), rateAt(ramp, 1_000), rateAt(ramp, 2_500), rateAt(ramp, 3_000)]).toEqual([0, 10, 20, 0]);
    const offsets = [...arrivals(ramp)];
    expect(offsets.filter((t) => t < 2_000)).toHaveLength(20);
    expect(offsets.filter((t) => t >= 2_000)).toHaveLength(20);
    const firstGap = offsets[1]! - offsets[0]!;
    const lastGap = offsets[19]! - offsets[18]!;
    expect(firstGap).toBeGreaterThan(3 * lastGap);
    const { result } = await run(ramp);
    expect(result.started).toBe(40);
  });
});

describe('constant-vus', () => {
  it("runs each VU back to back for the duration, and gives the mean interval for HDR's correction", async () => {
    const { result, starts } = await run({ executor: 'constant-vus', vus: 2, duration: '1s' }, () => sleep(300));
    expect(starts).toEqual([0, 0, 300, 300, 600, 600, 900, 900]);
    expect(result.expectedIntervalMs).toBe(300);
  });
});

describe('coordinated omission', () => {
  it('open model: a 1 s stall shows in every request due during it — none is omitted', async () => {
    const t0 = performance.now();
    const recorder = new Recorder(t0);
    let busyUntil = 0;
    // One request stalls the "server" for a second; the ones due meanwhile are sent on time but answered after it.
    const done = runExecutor(
      { executor: 'constant-arrival-rate', rate: 10, duration: '3s' },
      async ({ intendedStart }) => {
        const sentAt = performance.now();
        const now = sentAt - t0;
        const stall = Math.round(now) === 1_000 ? 1_000 : 0;
        busyUntil = Math.max(busyUntil, now) + stall;
        await sleep(Math.max(0, busyUntil - now) + 5);
        recorder.latency('place', intendedStart, sentAt, performance.now());
      },
    );
    await jest.advanceTimersByTimeAsync(10_000);
    await done;
    const corrected = recorder.summary('place', 'corrected')!;
    // The closed model would have sent ~1 request in that second; the open model sent all 10 due, and each waited.
    expect(corrected.count).toBe(30);
    expect(corrected.max).toBeGreaterThanOrEqual(1_000);
    expect(corrected.p90).toBeGreaterThan(100);
  });

  it('for the closed model, HdrHistogram fills in the requests a stalled VU never sent', () => {
    const recorder = new Recorder(0);
    for (let i = 0; i < 99; i++) recorder.latency('browse', i * 10, i * 10, i * 10 + 10);
    recorder.latency('browse', 1_000, 1_000, 2_000); // one stall of a second
    expect(recorder.summary('browse', 'raw')!.p90).toBeLessThan(11);
    // With the VU's usual 10 ms interval, the stall hid ~99 requests: corrected, the p90 is hundreds of ms.
    expect(recorder.summary('browse', 'corrected', 10)!.p90).toBeGreaterThan(100);
  });
});

describe('validateSpec', () => {
  it('names every problem of a spec', () => {
    expect(validateSpec({ executor: 'constant-arrival-rate', rate: 0, duration: 'soon' })).toEqual([
      'duration "soon" must read like 500ms, 10s, 2m or 1h',
      'rate must be more than 0',
    ]);
    expect(validateSpec({ executor: 'constant-vus', vus: 1.5, duration: '1s' })).toEqual([
      'vus must be a whole number more than 0',
    ]);
  });
});
