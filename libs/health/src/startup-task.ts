import type { ReadinessCheck } from './checks.js';

export interface StartupTaskOptions {
  /** Failures worth waiting out (the dependency is not there yet); any other failure of the first attempt fails start-up. */
  retryable: (error: unknown) => boolean;
  /** Told of every failed attempt and the wait before the next one (log it). */
  onRetry?: (error: unknown, delayMs: number) => void;
  /** Wait after the first failure; doubles per attempt up to `maxDelayMs`. Default 500 ms. */
  baseDelayMs?: number;
  /** Default 10 s: the dependency's return is noticed within that. */
  maxDelayMs?: number;
}

const reason = (error: unknown) => (error instanceof Error ? error.message || error.name : String(error));

/**
 * A start-up step that needs a dependency (migrations need PostgreSQL, indexes need MongoDB) and must not keep the
 * service from starting when that dependency is down (docs/architecture.md, "no service refuses to start"). The first
 * attempt runs during start-up, so on a healthy system the service listens with the step done; if it fails because
 * the dependency is unreachable, the service starts anyway and the step is retried in the background, with readiness
 * failing ("<name>: pending …") until it has succeeded. A failure of another kind (a broken migration) fails start-up.
 */
export class StartupTask {
  private completed = false;
  private lastError: unknown;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly finished: Promise<void>;
  private resolveFinished!: () => void;

  constructor(
    readonly name: string,
    private readonly run: () => Promise<void>,
    private readonly options: StartupTaskOptions,
  ) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  get done(): boolean {
    return this.completed;
  }

  /** Resolves once the step has succeeded (never, if the task is stopped first). */
  whenDone(): Promise<void> {
    return this.finished;
  }

  /** Runs the first attempt; resolves when it succeeded or failed retryably (retries go on in the background). */
  async start(): Promise<void> {
    try {
      await this.attempt();
    } catch (error) {
      if (!this.options.retryable(error)) throw error;
      this.schedule(error, this.options.baseDelayMs ?? 500);
    }
  }

  /** Stops the background retries (at shutdown). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** A readiness check that fails until the step is done, then is `then` (or up). */
  readiness(then?: ReadinessCheck): ReadinessCheck {
    return {
      name: then?.name ?? this.name,
      ...(then?.timeoutMs !== undefined ? { timeoutMs: then.timeoutMs } : {}),
      ping: () => {
        if (!this.completed) {
          const why = this.lastError === undefined ? 'not run yet' : `last attempt: ${reason(this.lastError)}`;
          return Promise.reject(new Error(`${this.name} pending (${why})`));
        }
        return then ? then.ping() : Promise.resolve();
      },
    };
  }

  private async attempt(): Promise<void> {
    try {
      await this.run();
    } catch (error) {
      this.lastError = error;
      throw error;
    }
    this.completed = true;
    this.lastError = undefined;
    this.resolveFinished();
  }

  private schedule(error: unknown, delayMs: number) {
    if (this.stopped) return;
    this.options.onRetry?.(error, delayMs);
    this.timer = setTimeout(() => {
      this.attempt().catch((next: unknown) =>
        // In the background every failure is waited out: a service that started must not exit on its own.
        this.schedule(next, Math.min(delayMs * 2, this.options.maxDelayMs ?? 10_000)),
      );
    }, delayMs);
    // A pending retry must not keep a stopping process alive.
    this.timer.unref();
  }
}

/**
 * The lifecycle of a store whose start-up step is a {@link StartupTask}: the task starts when the module initialises,
 * and at shutdown (after the HTTP server drained) it stops and the store's client closes. Provide it with a factory:
 * `{ provide: Lifecycle, inject: [POOL, TASK], useFactory: (pool, task) => new StartupLifecycle(task, () => pool.end()) }`.
 */
export class StartupLifecycle {
  constructor(
    private readonly task: StartupTask,
    private readonly close: () => Promise<void>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.task.stop();
    await this.close();
  }
}
