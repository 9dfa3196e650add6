import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { AttemptTimeoutError, BreakerOpenError, DeadlineExceededError, HttpStatusError } from './errors.js';
import { backoffDelay, isRetryable, retry, RetryBudget, type RetryOutcome } from './retry.js';

const unavailable = () => new HttpStatusError('dep', 503, null);
const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

/** Runs `retry` to completion under the fake clock, recording when each attempt started. */
async function run(
  outcomes: (() => unknown)[],
  options: Partial<Parameters<typeof retry>[1]> = {},
): Promise<{ result: unknown; error: unknown; times: number[]; reported: RetryOutcome[] }> {
  const start = Date.now();
  const times: number[] = [];
  const reported: RetryOutcome[] = [];
  const promise = retry(
    (n) => {
      times.push(Date.now() - start);
      const outcome = outcomes[n - 1] ?? outcomes[outcomes.length - 1]!;
      const value = outcome();
      return value instanceof Error ? Promise.reject(value) : Promise.resolve(value);
    },
    { policy, idempotent: true, onOutcome: (o) => reported.push(o), ...options },
  ).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  await jest.runAllTimersAsync();
  return { ...(await promise), times, reported };
}

describe('retry', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('retries a retryable failure until it succeeds', async () => {
    const { result, times, reported } = await run([unavailable, unavailable, () => 'ok']);
    expect(result).toBe('ok');
    expect(times).toHaveLength(3);
    expect(reported).toEqual(['retry', 'retry', 'success']);
  });

  it('stops after maxAttempts and throws the last error', async () => {
    const { error, times, reported } = await run([unavailable]);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(times).toHaveLength(4);
    expect(reported.at(-1)).toBe('exhausted');
  });

  it('waits a full-jitter delay: uniform in [0, min(max, base·2^(n-1))]', async () => {
    const highest = await run([unavailable], { random: () => 0.999999 });
    const gaps = highest.times.slice(1).map((t, i) => t - highest.times[i]!);
    expect(gaps).toEqual([99, 199, 399]);
    const lowest = await run([unavailable], { random: () => 0 });
    expect(lowest.times).toEqual([0, 0, 0, 0]);
    for (let i = 0; i < 1_000; i++) {
      const d = backoffDelay(5, { baseDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 9 });
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(1_000); // 100·2^4 = 1600, capped at 1000
    }
  });

  it('never retries a 4xx other than 429, an open breaker, or a non-idempotent call', async () => {
    for (const status of [400, 401, 403, 404, 409, 422]) {
      const { times } = await run([() => new HttpStatusError('dep', status, null)]);
      expect(times).toHaveLength(1);
    }
    expect((await run([() => new BreakerOpenError('x')])).times).toHaveLength(1);
    const post = await run([unavailable], { idempotent: false });
    expect(post.times).toHaveLength(1);
    expect(isRetryable(new AttemptTimeoutError(5))).toBe(true);
    expect(isRetryable(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(new Error('bug'))).toBe(false);
  });

  it('honours Retry-After on a 429 instead of the backoff', async () => {
    const { times, result } = await run([() => new HttpStatusError('dep', 429, null, 750), () => 'ok'], {
      random: () => 0,
    });
    expect(result).toBe('ok');
    expect(times).toEqual([0, 750]);
  });

  it('stops when the budget is spent, so a dead dependency sees a bounded fraction of retries', async () => {
    const budget = new RetryBudget({ ratio: 0.2, initialTokens: 2, maxTokens: 100 });
    let attempts = 0;
    for (let call = 0; call < 20; call++) {
      const { times } = await run([unavailable], { budget, random: () => 0 });
      attempts += times.length;
    }
    // 20 first attempts; retries limited to the 2 initial tokens plus 0.2 per first attempt (≈ 6), not 60.
    expect(attempts - 20).toBeGreaterThanOrEqual(5);
    expect(attempts - 20).toBeLessThanOrEqual(6);
    const last = await run([unavailable], { budget });
    expect(last.reported).toEqual(['budget_exhausted']);
  });

  it('stops at the deadline: no attempt starts after it, no delay runs past it', async () => {
    const late = await run([unavailable], { deadlineAt: Date.now() + 250, random: () => 0.999999 });
    // attempts at 0 and 99; the next delay (199) would end at 298 > 250, so it stops.
    expect(late.times).toEqual([0, 99]);
    expect(late.reported.at(-1)).toBe('deadline');
    const expired = await run([() => 'never'], { deadlineAt: Date.now() - 1 });
    expect(expired.error).toBeInstanceOf(DeadlineExceededError);
    expect(expired.times).toHaveLength(0);
  });
});
