import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { BreakerRegistry, FaultInjector, isNetworkError, retry, type Breaker } from '@refarch/resilience';
import nodemailer, { type Transporter } from 'nodemailer';
import { WORKERS_CONFIG, type WorkersConfig } from '../config.js';
import type { Email } from './templates.js';

export interface OutgoingEmail extends Email {
  to: string;
  /** Deterministic (`<kind>.<subject>@refarch.notification`): a resend after a crash carries the same one. */
  messageId: string;
}

/** SMTP answers that mean "try later" (4xx), and connection failures; a 5xx rejection will not get better. */
function isTransient(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  if (typeof code === 'number') return code >= 400 && code < 500;
  const name = (error as { code?: unknown }).code;
  return isNetworkError(error) || name === 'ETIMEDOUT' || name === 'ECONNECTION' || name === 'ESOCKET';
}

/**
 * Sends email through SMTP (nodemailer), behind the breaker `notification-worker->smtp` and a short retry with
 * backoff. The fault injector runs inside the breaker, so the lab's `error`/`latency`/`hang` on this worker act as an
 * SMTP outage: the breaker opens, and the message waits in the retry queues, then the DLQ.
 */
@Injectable()
export class Mailer implements OnApplicationShutdown {
  private readonly transport: Transporter;
  private readonly breaker: Breaker;

  constructor(
    @Inject(WORKERS_CONFIG) private readonly config: WorkersConfig,
    breakers: BreakerRegistry,
    private readonly faults: FaultInjector,
  ) {
    const timeout = config.SMTP_TIMEOUT_MS;
    this.transport = nodemailer.createTransport({
      url: config.SMTP_URL,
      ...(config.SMTP_USER ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD ?? '' } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    this.breaker = breakers.get('smtp', { timeoutMs: timeout, volumeThreshold: 5 });
  }

  async send(email: OutgoingEmail): Promise<void> {
    await retry(
      () =>
        this.breaker.execute(async () => {
          await this.faults.beforeWork();
          await this.transport.sendMail({
            from: this.config.MAIL_FROM,
            to: email.to,
            subject: email.subject,
            text: email.text,
            html: email.html,
            messageId: `<${email.messageId}>`,
          });
        }),
      { idempotent: true, retryable: isTransient },
    );
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
