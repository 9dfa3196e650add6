import { AppError, PROBLEM_CONTENT_TYPE, toProblem } from '@refarch/errors';
import { z } from 'zod';

export const faultSettingsSchema = z.strictObject({
  mode: z.enum(['off', 'error', 'latency', 'hang']),
  /** Fraction of business requests affected, 0..1. */
  errorRate: z.number().min(0).max(1).default(1),
  /** Added delay in `latency` mode. */
  latencyMs: z.number().int().min(0).max(120_000).default(1_000),
});
export type FaultSettings = z.output<typeof faultSettingsSchema>;
export type FaultMode = FaultSettings['mode'];

/** Routes faults never touch: the platform's own (probes, scrapes, admin). */
const UNTOUCHED = /^\/(health|metrics|admin)(\/|$|\?)/;

export class InjectedFaultError extends AppError {
  constructor() {
    super('FAULT.INJECTED', 503, 'Service Unavailable', {
      detail: 'Fault injection is on for this service (mode error)',
    });
  }
}

interface FaultRequest {
  url: string;
  raw: { once(event: 'close', listener: () => void): unknown };
}
interface FaultReply {
  sent: boolean;
  code(status: number): FaultReply;
  header(name: string, value: string): FaultReply;
  send(body: unknown): unknown;
}

/**
 * Breaks a service on purpose (docs/architecture.md §6): `error` answers 503, `latency` delays, `hang` never answers
 * (until the client gives up or the service shuts down), each for `errorRate` of business requests.
 */
export class FaultInjector {
  private settings: FaultSettings;
  private readonly hung = new Set<() => void>();

  constructor(
    initial: FaultSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.settings = faultSettingsSchema.parse(initial);
  }

  get current(): FaultSettings {
    return this.settings;
  }

  set(settings: FaultSettings): FaultSettings {
    this.settings = settings;
    if (settings.mode !== 'hang') this.releaseHung();
    return settings;
  }

  /** Lets every hung request go (answered 503); called before shutdown so draining can finish. */
  releaseHung(): void {
    for (const release of this.hung) release();
    this.hung.clear();
  }

  /**
   * The same faults for work that is not an HTTP request (a message handler): `error` throws (the message is retried),
   * `latency` delays, `hang` waits until faults change or the service shuts down, then throws.
   */
  async beforeWork(): Promise<void> {
    const { mode, errorRate, latencyMs } = this.settings;
    if (mode === 'off' || this.random() >= errorRate) return;
    switch (mode) {
      case 'latency':
        await new Promise((resolve) => setTimeout(resolve, latencyMs));
        return;
      case 'error':
        throw new InjectedFaultError();
      case 'hang':
        await new Promise<void>((resolve) => this.hung.add(resolve));
        throw new InjectedFaultError();
    }
  }

  /**
   * Fastify `onRequest` hook. Callback style, so the usual case (faults off) costs one check and no promise on every
   * request of every service.
   */
  readonly hook = (request: FaultRequest, reply: FaultReply, done: (error?: Error) => void): void => {
    const { mode, errorRate } = this.settings;
    if (mode === 'off' || UNTOUCHED.test(request.url) || this.random() >= errorRate) return done();
    this.inject(request, reply).then(
      (replied) => {
        if (!replied) done();
      },
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  };

  /** Applies the current fault to one request; resolves `true` when it answered the request itself. */
  private async inject(request: FaultRequest, reply: FaultReply): Promise<boolean> {
    const { mode, latencyMs } = this.settings;
    switch (mode) {
      case 'off':
        return false;
      case 'latency':
        await new Promise((resolve) => setTimeout(resolve, latencyMs));
        return false;
      case 'error':
        this.fail(reply);
        return true;
      case 'hang':
        await new Promise<void>((resolve) => {
          this.hung.add(resolve);
          request.raw.once('close', () => {
            this.hung.delete(resolve);
            resolve();
          });
        });
        this.fail(reply);
        return true;
    }
  }

  private fail(reply: FaultReply) {
    if (reply.sent) return;
    const problem = toProblem(new InjectedFaultError());
    reply.code(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem.body);
  }
}
