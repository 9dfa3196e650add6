import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { sharedMetric } from '@refarch/observability';
import { AttemptTimeoutError, BreakerOpenError, HttpStatusError } from './errors.js';

export interface BreakerOptions {
  /** Per-call timeout; the call's AbortSignal fires and its promise rejects with AttemptTimeoutError. */
  timeoutMs: number;
  /** Failure percentage in the rolling window at which the breaker opens. */
  errorThresholdPercentage: number;
  /** Calls needed in the rolling window before the breaker may open (never on one early failure). */
  volumeThreshold: number;
  /** Length of the rolling statistics window. */
  rollingWindowMs: number;
  /** Buckets of the window (its resolution). */
  rollingWindowBuckets: number;
  /** How long an open breaker rejects before letting one probe through (half-open). */
  resetTimeoutMs: number;
  /** `false`: the breaker never opens (BREAKERS=off, weakened resilience for the lab); default true. */
  enabled?: boolean;
}

/**
 * Defaults, and why: 2 s timeout (a user-facing call chain must answer within a few seconds); open at 50 % failures
 * over a 10 s window, but only once 10 calls were seen in it (a cold start's first error must not open it);
 * probe again after 5 s (short enough to watch recovery in the lab, long enough to let a dependency restart).
 */
export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = {
  timeoutMs: 2_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
  rollingWindowMs: 10_000,
  rollingWindowBuckets: 10,
  resetTimeoutMs: 5_000,
};

export type BreakerState = 'closed' | 'half-open' | 'open';
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface CallOptions<T = unknown> {
  /** Shortens the breaker's timeout for this call (e.g. to the time left before a deadline); never lengthens it. */
  timeoutMs?: number;
  /** Caller's own cancellation; aborting it aborts the call. */
  signal?: AbortSignal;
  /** Answer to use when the call fails or is rejected (counted as `fallback`); the error is passed in. */
  fallback?: (error: unknown) => T | Promise<T>;
}

/** Per-dependency overrides; the rolling window is registry-wide (all breakers share one rotation timer). */
export type BreakerOverrides = Partial<Omit<BreakerOptions, 'rollingWindowMs' | 'rollingWindowBuckets'>>;

export interface BreakerSnapshot {
  name: string;
  dependency: string;
  state: BreakerState;
  options: BreakerOptions;
  stats: { successes: number; failures: number; timeouts: number; rejects: number; fires: number };
}

/**
 * Errors that say nothing about the dependency's health: a 4xx other than 408/429 is the request's fault.
 * They reject the call but do not count towards opening the breaker.
 */
function isCallerFault(error: unknown): boolean {
  return error instanceof HttpStatusError && error.upstreamStatus < 500 && ![408, 429].includes(error.upstreamStatus);
}

interface Invocation {
  run: (signal: AbortSignal) => Promise<unknown>;
  controller: AbortController;
  timeoutMs: number;
}

/** A circuit breaker for one (caller, dependency): an opossum breaker plus a per-call timeout with AbortController. */
export class Breaker {
  private readonly circuit: CircuitBreaker<[Invocation], unknown>;
  private current: BreakerState = 'closed';

  constructor(
    readonly name: string,
    readonly dependency: string,
    readonly options: BreakerOptions,
    rotate: EventEmitter,
    private readonly metrics: BreakerMetrics,
  ) {
    this.circuit = new CircuitBreaker((call: Invocation) => Breaker.invoke(call), {
      // The timeout lives in invoke(): opossum's own one cannot cancel the call that timed out.
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      rollingCountTimeout: options.rollingWindowMs,
      rollingCountBuckets: options.rollingWindowBuckets,
      resetTimeout: options.resetTimeoutMs,
      enabled: options.enabled ?? true,
      errorFilter: isCallerFault,
      // One shared bucket-rotation timer for all breakers instead of two intervals each.
      rotateBucketController: rotate,
      enableSnapshots: false,
      name,
    });
    const labels = { breaker: name };
    metrics.state.set(labels, 0);
    const transition = (to: BreakerState) => () => {
      metrics.transitions.inc({ breaker: name, from: this.current, to });
      this.current = to;
      metrics.state.set(labels, STATE_VALUE[to]);
    };
    this.circuit.on('open', transition('open'));
    this.circuit.on('halfOpen', transition('half-open'));
    this.circuit.on('close', transition('closed'));
    this.circuit.on('success', (_r: unknown, latencyMs: number) => this.record('success', latencyMs));
    this.circuit.on('failure', (error: unknown, latencyMs: number) =>
      this.record(error instanceof AttemptTimeoutError ? 'timeout' : 'failure', latencyMs),
    );
    this.circuit.on('reject', () => metrics.calls.inc({ breaker: name, result: 'rejected' }));
  }

  /**
   * A call of a disabled breaker (BREAKERS=off): opossum runs it without its events, so it is counted here — the
   * lab's retry assertion divides retries by these calls.
   */
  private async direct(call: Invocation): Promise<unknown> {
    const start = performance.now();
    try {
      const value = await Breaker.invoke(call);
      this.record('success', performance.now() - start);
      return value;
    } catch (error) {
      const result = error instanceof AttemptTimeoutError ? 'timeout' : isCallerFault(error) ? 'success' : 'failure';
      this.record(result, performance.now() - start);
      throw error;
    }
  }

  private record(result: 'success' | 'failure' | 'timeout', latencyMs: number) {
    this.metrics.calls.inc({ breaker: this.name, result });
    this.metrics.duration.observe({ breaker: this.name, result }, latencyMs / 1000);
  }

  private static invoke(call: Invocation): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new AttemptTimeoutError(call.timeoutMs);
        call.controller.abort(error);
        reject(error);
      }, call.timeoutMs);
      call.run(call.controller.signal).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          // After a timeout the call rejects with an AbortError; report the timeout, which is what happened.
          const reason: unknown = call.controller.signal.reason;
          reject(reason instanceof AttemptTimeoutError ? reason : (error as Error));
        },
      );
    });
  }

  get state(): BreakerState {
    return this.current;
  }

  /**
   * Runs `fn` through the breaker: rejected at once with {@link BreakerOpenError} when open (no call made);
   * otherwise `fn` gets a signal that aborts at the timeout (or when `options.signal` aborts).
   */
  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions<T> = {}): Promise<T> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const call: Invocation = {
        run: fn,
        controller,
        timeoutMs: Math.max(1, Math.min(options.timeoutMs ?? this.options.timeoutMs, this.options.timeoutMs)),
      };
      if (!this.circuit.enabled) return (await this.direct(call)) as T;
      return (await this.circuit.fire(call)) as T;
    } catch (raw) {
      const error = (raw as { code?: unknown }).code === 'EOPENBREAKER' ? new BreakerOpenError(this.name) : raw;
      if (!options.fallback) throw error;
      this.metrics.calls.inc({ breaker: this.name, result: 'fallback' });
      return await options.fallback(error);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  snapshot(): BreakerSnapshot {
    const s = this.circuit.stats;
    return {
      name: this.name,
      dependency: this.dependency,
      state: this.current,
      options: this.options,
      stats: { successes: s.successes, failures: s.failures, timeouts: s.timeouts, rejects: s.rejects, fires: s.fires },
    };
  }

  shutdown(): void {
    this.circuit.shutdown();
  }
}

interface BreakerMetrics {
  state: Gauge<'breaker'>;
  transitions: Counter<'breaker' | 'from' | 'to'>;
  calls: Counter<'breaker' | 'result'>;
  duration: Histogram<'breaker' | 'result'>;
}

/**
 * One breaker per (caller, dependency), created on first use with the defaults merged with per-dependency overrides.
 * All breakers share one bucket-rotation timer; `close()` stops it and shuts every breaker down.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, Breaker>();
  private readonly rotate = new EventEmitter();
  private timer: NodeJS.Timeout | undefined;
  private readonly metrics: BreakerMetrics;

  constructor(
    private readonly caller: string,
    registry: Registry,
    private readonly defaults: BreakerOptions = DEFAULT_BREAKER_OPTIONS,
    private readonly overrides: Record<string, BreakerOverrides> = {},
  ) {
    // One listener per breaker on a shared emitter: bounded by the number of dependencies, not of calls.
    this.rotate.setMaxListeners(0);
    const registers = [registry];
    this.metrics = {
      state: sharedMetric(
        registry,
        'circuit_breaker_state',
        () =>
          new Gauge({
            name: 'circuit_breaker_state',
            help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
            labelNames: ['breaker'],
            registers,
          }),
      ),
      transitions: sharedMetric(
        registry,
        'circuit_breaker_transitions_total',
        () =>
          new Counter({
            name: 'circuit_breaker_transitions_total',
            help: 'Circuit breaker state transitions',
            labelNames: ['breaker', 'from', 'to'],
            registers,
          }),
      ),
      calls: sharedMetric(
        registry,
        'circuit_breaker_calls_total',
        () =>
          new Counter({
            name: 'circuit_breaker_calls_total',
            help: 'Calls through circuit breakers by result (success, failure, timeout, rejected, fallback)',
            labelNames: ['breaker', 'result'],
            registers,
          }),
      ),
      duration: sharedMetric(
        registry,
        'circuit_breaker_call_duration_seconds',
        () =>
          new Histogram({
            name: 'circuit_breaker_call_duration_seconds',
            help: 'Duration of calls made through circuit breakers',
            labelNames: ['breaker', 'result'],
            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
            registers,
          }),
      ),
    };
  }

  /** The breaker guarding calls from this service to `dependency` (options apply when it is first created). */
  get(dependency: string, overrides?: BreakerOverrides): Breaker {
    let breaker = this.breakers.get(dependency);
    if (!breaker) {
      const options = { ...this.defaults, ...this.overrides[dependency], ...overrides };
      breaker = new Breaker(`${this.caller}->${dependency}`, dependency, options, this.rotate, this.metrics);
      this.breakers.set(dependency, breaker);
      this.startRotation();
    }
    return breaker;
  }

  private startRotation() {
    if (this.timer) return;
    this.timer = setInterval(
      () => this.rotate.emit('rotate'),
      Math.floor(this.defaults.rollingWindowMs / this.defaults.rollingWindowBuckets),
    );
    this.timer.unref();
  }

  list(): BreakerSnapshot[] {
    return [...this.breakers.values()].map((b) => b.snapshot());
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }
}
