import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { runCheck } from './checks.js';
import { StartupTask } from './startup-task.js';

const outage = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const retryable = (error: unknown) => (error as { code?: string }).code === 'ECONNREFUSED';

describe('StartupTask', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('is done after a first attempt that succeeds, and ready', async () => {
    const task = new StartupTask('migrations', () => Promise.resolve(), { retryable });
    await task.start();
    expect(task.done).toBe(true);
    await expect(runCheck(task.readiness())).resolves.toBeUndefined();
  });

  it('lets start-up go on while the dependency is down, retries with a doubling wait, and is ready once it worked', async () => {
    jest.useFakeTimers();
    let failuresLeft = 3;
    const run = jest.fn(() => (failuresLeft-- > 0 ? Promise.reject(outage()) : Promise.resolve()));
    const waits: number[] = [];
    const task = new StartupTask('migrations', run, { retryable, onRetry: (_e, ms) => waits.push(ms) });
    await task.start();
    expect(task.done).toBe(false);
    await expect(runCheck(task.readiness())).resolves.toBe('migrations pending (last attempt: connect ECONNREFUSED)');
    await jest.advanceTimersByTimeAsync(499);
    expect(run).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1 + 1000 + 2000);
    expect(run).toHaveBeenCalledTimes(4);
    expect(waits).toEqual([500, 1000, 2000]);
    expect(task.done).toBe(true);
    await expect(task.whenDone()).resolves.toBeUndefined();
    await expect(runCheck(task.readiness())).resolves.toBeUndefined();
  });

  it('caps the wait between attempts', async () => {
    jest.useFakeTimers();
    const waits: number[] = [];
    const task = new StartupTask('indexes', () => Promise.reject(outage()), {
      retryable,
      maxDelayMs: 3000,
      onRetry: (_e, ms) => waits.push(ms),
    });
    await task.start();
    await jest.advanceTimersByTimeAsync(20_000);
    task.stop();
    expect(waits.slice(0, 5)).toEqual([500, 1000, 2000, 3000, 3000]);
    const attempts = waits.length;
    await jest.advanceTimersByTimeAsync(20_000);
    expect(waits.length).toBe(attempts);
  });

  it('fails start-up on a failure that is not an outage (a broken migration)', async () => {
    const task = new StartupTask('migrations', () => Promise.reject(new Error('syntax error at or near "TABL"')), {
      retryable,
    });
    await expect(task.start()).rejects.toThrow('syntax error');
  });

  it('checks the dependency itself once done', async () => {
    const task = new StartupTask('indexes', () => Promise.resolve(), { retryable });
    await task.start();
    const check = task.readiness({ name: 'mongodb', ping: () => Promise.reject(new Error('no primary')) });
    expect(check.name).toBe('mongodb');
    await expect(runCheck(check)).resolves.toBe('no primary');
  });
});
