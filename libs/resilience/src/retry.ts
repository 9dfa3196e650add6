import { DeadlineExceededError, HttpStatusError, AttemptTimeoutError, isNetworkError } from './errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff cap of the first retry; doubles per retry (full jitter: the delay is uniform in [0, cap]). */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** 3 attempts, 100 ms → 200 ms caps (full jitter), never above 2 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 };

/**
 * Worth another attempt: connection failures, attempt timeouts, 502/503/504 and 429. Never another 4xx (the
 * request is wrong, repeating it cannot help), never an open breaker (it fails fast on purpose).
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof HttpStatusError) return [429, 502, 503, 504].includes(error.upstreamStatus);
  return error instanceof AttemptTimeoutError || isNetworkError(error);
}

export interface RetryBudgetOptions {
  /** Retries allowed per first attempt, on average (0.2 = retries add at most 20 % load). */
  ratio: number;
  /** Tokens available at start (so a quiet service can still retry its first failures). */
  initialTokens: number;
  maxTokens: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetOptions = { ratio: 0.2, initialTokens: 10, maxTokens: 100 };

/**
 * Token bucket shared by all calls to one dependency: each first attempt deposits `ratio` tokens, each retry
 * spends one. When a dependency is down, retries stop once the budget is spent, so it sees at most
 * (1 + ratio) × the normal load instead of maxAttempts × (Finagle's RetryBudget, Envoy's retry budgets).
 */
export class RetryBudget {
  private tokens: number;
  constructor(private readonly options: RetryBudgetOptions = DEFAULT_RETRY_BUDGET) {
    this.tokens = options.initialTokens;
  }
  recordFirstAttempt(): void {
    this.tokens = Math.min(this.options.maxTokens, this.tokens + this.options.ratio);
  }
  tryWithdraw(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  get available(): number {
    return this.tokens;
  }
}

export type RetryOutcome = 'success' | 'retry' | 'non_retryable' | 'exhausted' | 'budget_exhausted' | 'deadline';

export interface RetryOptions {
  policy?: RetryPolicy;
  budget?: RetryBudget;
  /** Absolute time after which nothing more is attempted. */
  deadlineAt?: number;
  /** Only idempotent (or idempotency-keyed) calls are retried. */
  idempotent: boolean;
  retryable?: (error: unknown) => boolean;
  /** Injectable for tests; `Math.random` by default. */
  random?: () => number;
  onOutcome?: (outcome: RetryOutcome) => void;
}

/** Delay before retry number `retry` (1-based): uniform in [0, min(maxDelay, base·2^(retry-1))]. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * cap);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, runs out of attempts or budget, or would
 * outlive the deadline. `Retry-After` on a 429/503 replaces the backoff delay. Throws the last error, or
 * {@link DeadlineExceededError} when the deadline stopped it.
 */
export async function retry<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const retryable = options.retryable ?? isRetryable;
  const report = options.onOutcome ?? (() => undefined);
  const maxAttempts = options.idempotent ? policy.maxAttempts : 1;
  options.budget?.recordFirstAttempt();
  for (let n = 1; ; n++) {
    if (options.deadlineAt !== undefined && Date.now() >= options.deadlineAt) {
      report('deadline');
      throw new DeadlineExceededError();
    }
    try {
      const result = await attempt(n);
      if (n > 1) report('success');
      return result;
    } catch (error) {
      if (!retryable(error)) {
        if (n > 1) report('non_retryable');
        throw error;
      }
      if (n >= maxAttempts) {
        if (maxAttempts > 1) report('exhausted');
        throw error;
      }
      const retryAfter = error instanceof HttpStatusError ? error.retryAfterMs : undefined;
      const delay = retryAfter ?? backoffDelay(n, policy, options.random);
      if (options.deadlineAt !== undefined && Date.now() + delay >= options.deadlineAt) {
        report('deadline');
        throw error;
      }
      if (options.budget && !options.budget.tryWithdraw()) {
        report('budget_exhausted');
        throw error;
      }
      report('retry');
      await sleep(delay);
    }
  }
}
