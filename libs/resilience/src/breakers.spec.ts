import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Registry } from 'prom-client';
import { BreakerRegistry, DEFAULT_BREAKER_OPTIONS, type Breaker } from './breakers.js';
import { AttemptTimeoutError, BreakerOpenError, HttpStatusError } from './errors.js';

const ok = () => Promise.resolve('ok');
const boom = () => Promise.reject(new Error('boom'));

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('Breaker (opossum) with a fake clock', () => {
  let registry: Registry;
  let breakers: BreakerRegistry;
  let breaker: Breaker;

  beforeEach(() => {
    jest.useFakeTimers();
    registry = new Registry();
    breakers = new BreakerRegistry('svc', registry, {
      ...DEFAULT_BREAKER_OPTIONS,
      volumeThreshold: 10,
      errorThresholdPercentage: 50,
      resetTimeoutMs: 5_000,
      timeoutMs: 1_000,
    });
    breaker = breakers.get('dep');
  });
  afterEach(() => {
    breakers.close();
    jest.useRealTimers();
  });

  const failTimes = async (n: number) => {
    for (let i = 0; i < n; i++) await expect(breaker.execute(boom)).rejects.toThrow('boom');
  };

  it('stays closed below the volume threshold, even at 100 % failures', async () => {
    await failTimes(9);
    expect(breaker.state).toBe('closed');
    const fn = jest.fn(ok);
    await expect(breaker.execute(fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('stays closed above the volume threshold while failures are under the error percentage', async () => {
    for (let i = 0; i < 12; i++) await breaker.execute(ok);
    await failTimes(8); // 8 of 20 = 40 %
    expect(breaker.state).toBe('closed');
  });

  it('opens above the error percentage once the volume threshold is reached, and then rejects without calling', async () => {
    for (let i = 0; i < 4; i++) await breaker.execute(ok);
    await failTimes(6); // 6 of 10 = 60 %
    expect(breaker.state).toBe('open');
    const fn = jest.fn(ok);
    await expect(breaker.execute(fn)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(fn).not.toHaveBeenCalled();
    expect(await metric(registry, 'circuit_breaker_state', { breaker: 'svc->dep' })).toBe(2);
    expect(await metric(registry, 'circuit_breaker_transitions_total', { from: 'closed', to: 'open' })).toBe(1);
    expect(await metric(registry, 'circuit_breaker_calls_total', { result: 'rejected' })).toBe(1);
    expect(await metric(registry, 'circuit_breaker_calls_total', { result: 'failure' })).toBe(6);
  });

  it('never opens when disabled (BREAKERS=off): every call still reaches the dependency', async () => {
    const disabled = breakers.get('weak', { enabled: false });
    const fn = jest.fn(boom);
    for (let i = 0; i < 30; i++) await expect(disabled.execute(fn)).rejects.toThrow('boom');
    expect(disabled.state).toBe('closed');
    expect(fn).toHaveBeenCalledTimes(30);
    // Still counted (opossum emits nothing for a disabled circuit): the lab divides retries by these calls.
    expect(await metric(registry, 'circuit_breaker_calls_total', { breaker: 'svc->weak', result: 'failure' })).toBe(30);
  });

  it('lets exactly one probe through when half-open, and closes when it succeeds', async () => {
    await failTimes(10);
    expect(breaker.state).toBe('open');
    await jest.advanceTimersByTimeAsync(4_999);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BreakerOpenError);
    await jest.advanceTimersByTimeAsync(1);
    expect(breaker.state).toBe('half-open');

    let finishProbe!: (v: string) => void;
    const probeFn = jest.fn(() => new Promise<string>((resolve) => (finishProbe = resolve)));
    const probe = breaker.execute(probeFn);
    const second = jest.fn(ok);
    await expect(breaker.execute(second)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(probeFn).toHaveBeenCalledTimes(1);
    expect(second).not.toHaveBeenCalled();

    finishProbe('recovered');
    await expect(probe).resolves.toBe('recovered');
    expect(breaker.state).toBe('closed');
    expect(await metric(registry, 'circuit_breaker_state', { breaker: 'svc->dep' })).toBe(0);
    expect(await metric(registry, 'circuit_breaker_transitions_total', { from: 'half-open', to: 'closed' })).toBe(1);
  });

  it('reopens when the probe fails', async () => {
    await failTimes(10);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    expect(await metric(registry, 'circuit_breaker_transitions_total', { from: 'half-open', to: 'open' })).toBe(1);
    // and waits a full reset timeout again
    await jest.advanceTimersByTimeAsync(4_999);
    expect(breaker.state).toBe('open');
  });

  it('aborts a call that outlives its timeout and counts it as a timeout', async () => {
    let signal: AbortSignal | undefined;
    const call = breaker.execute((s) => {
      signal = s;
      return new Promise(() => undefined);
    });
    const settled = expect(call).rejects.toBeInstanceOf(AttemptTimeoutError);
    await jest.advanceTimersByTimeAsync(999);
    expect(signal!.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await settled;
    expect(signal!.aborted).toBe(true);
    expect(await metric(registry, 'circuit_breaker_calls_total', { result: 'timeout' })).toBe(1);
  });

  it('uses a shorter per-call timeout but never a longer one', async () => {
    const short = breaker.execute(() => new Promise(() => undefined), { timeoutMs: 100 });
    const settledShort = expect(short).rejects.toMatchObject({ timeoutMs: 100 });
    await jest.advanceTimersByTimeAsync(100);
    await settledShort;
    const long = breaker.execute(() => new Promise(() => undefined), { timeoutMs: 60_000 });
    const settledLong = expect(long).rejects.toMatchObject({ timeoutMs: 1_000 });
    await jest.advanceTimersByTimeAsync(1_000);
    await settledLong;
  });

  it('does not count a caller-fault 4xx towards opening', async () => {
    const notFound = () => Promise.reject(new HttpStatusError('dep', 404, null));
    for (let i = 0; i < 20; i++) await expect(breaker.execute(notFound)).rejects.toBeInstanceOf(HttpStatusError);
    expect(breaker.state).toBe('closed');
  });

  it('answers from the fallback when given one, and counts it', async () => {
    await expect(breaker.execute(boom, { fallback: () => 'cached' })).resolves.toBe('cached');
    expect(await metric(registry, 'circuit_breaker_calls_total', { result: 'fallback' })).toBe(1);
  });

  it('forgets old failures as the rolling window moves on', async () => {
    await failTimes(9);
    await jest.advanceTimersByTimeAsync(DEFAULT_BREAKER_OPTIONS.rollingWindowMs + 1_000);
    await failTimes(5);
    expect(breaker.state).toBe('closed');
  });
});

describe('BreakerRegistry resources', () => {
  it('keeps one timer for any number of breakers, adds no listeners per call, and releases everything on close', async () => {
    const setIntervalSpy = jest.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = jest.spyOn(globalThis, 'clearInterval');
    try {
      const breakers = new BreakerRegistry('svc', new Registry());
      const all = Array.from({ length: 60 }, (_, i) => breakers.get(`dep-${i}`));
      expect(breakers.get('dep-0')).toBe(all[0]);
      expect(setIntervalSpy).toHaveBeenCalledTimes(1);
      const rotate = (breakers as unknown as { rotate: { listenerCount(e: string): number } }).rotate;
      expect(rotate.listenerCount('rotate')).toBe(60);
      const circuit = (all[0] as unknown as { circuit: { listenerCount(e: string): number } }).circuit;
      const listenersBefore = circuit.listenerCount('success');
      for (let i = 0; i < 1_000; i++) await all[i % 60]!.execute(ok);
      expect(circuit.listenerCount('success')).toBe(listenersBefore);
      expect(setIntervalSpy).toHaveBeenCalledTimes(1);
      breakers.close();
      expect(clearIntervalSpy).toHaveBeenCalledWith(setIntervalSpy.mock.results[0]!.value as NodeJS.Timeout);
      expect(rotate.listenerCount('rotate')).toBe(0);
      expect(circuit.listenerCount('success')).toBe(0);
    } finally {
      setIntervalSpy.mockRestore();
      clearIntervalSpy.mockRestore();
    }
  });
});
