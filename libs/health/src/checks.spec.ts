import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { rabbitmqCheck, runCheck } from './checks.js';

describe('runCheck', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('is up when the ping resolves', async () => {
    await expect(runCheck({ name: 'x', ping: () => Promise.resolve() })).resolves.toBeUndefined();
  });

  it('reports the reason when the ping rejects', async () => {
    await expect(runCheck({ name: 'x', ping: () => Promise.reject(new Error('ECONNREFUSED')) })).resolves.toBe(
      'ECONNREFUSED',
    );
  });

  it('is down when the ping outlives its timeout', async () => {
    jest.useFakeTimers();
    const pending = runCheck({ name: 'x', ping: () => new Promise(() => undefined), timeoutMs: 250 });
    await jest.advanceTimersByTimeAsync(249);
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(pending).resolves.toBe('no answer within 250 ms');
  });

  it('checks a held broker connection without I/O', async () => {
    let connected = true;
    const check = rabbitmqCheck({ isConnected: () => connected });
    await expect(runCheck(check)).resolves.toBeUndefined();
    connected = false;
    await expect(runCheck(check)).resolves.toBe('not connected to the broker');
  });
});
