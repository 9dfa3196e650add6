import { Inject, Injectable } from '@nestjs/common';
import type { MessageData } from '@refarch/contracts';
import type { MessageContext } from '@refarch/messaging';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@refarch/observability';
import { Counter, type Registry } from 'prom-client';
import { Mailer } from './mailer.js';
import { NotYetKnownError } from './notification.errors.js';
import { NotificationRepository, type EmailKind, type Recipient } from './notification.repository.js';
import { orderConfirmedEmail, orderRejectedEmail, welcomeEmail, type Email } from './templates.js';

/** The Message-ID of an email: one per kind and subject, whichever event (or redelivery) asks for it. */
export const messageIdOf = (kind: EmailKind, subject: string) => `${kind}.${subject}@refarch.notification`;

/**
 * The use cases, each inside the message's inbox transaction (`context.transaction`): keep what later emails need,
 * and send an email at most once per Message-ID. The send happens before the transaction commits: a crash between
 * the two redelivers the message, which sends the same email again with the same Message-ID — never a different one.
 */
@Injectable()
export class NotificationService {
  private readonly emails: Counter<'kind' | 'outcome'>;

  constructor(
    private readonly repository: NotificationRepository,
    private readonly mailer: Mailer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.emails = new Counter({
      name: 'notifications_total',
      help: 'Emails by kind and outcome: sent, failed (SMTP; the message is retried), deduplicated (sent already)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    });
  }

  async userRegistered(context: MessageContext, data: MessageData<'users.user-registered.v1'>): Promise<void> {
    const recipient = { email: data.email, name: data.name };
    await this.repository.saveRecipient(context.transaction, data.userId, recipient);
    await this.send(context, 'welcome', data.userId, recipient, welcomeEmail(data.name));
  }

  async orderCreated(context: MessageContext, data: MessageData<'orders.order-created.v1'>): Promise<void> {
    await this.repository.saveOrder(context.transaction, data.orderId, data);
  }

  async orderApproved(context: MessageContext, data: MessageData<'orders.order-approved.v1'>): Promise<void> {
    const order = await this.repository.order(context.transaction, data.orderId);
    if (!order) throw new NotYetKnownError(`order ${data.orderId}`);
    const recipient = await this.recipientOf(context, data.userId);
    const email = orderConfirmedEmail(recipient.name, data.orderId, order.items, data.totalCents);
    await this.send(context, 'order-confirmed', data.orderId, recipient, email);
  }

  async orderRejected(context: MessageContext, data: MessageData<'orders.order-rejected.v1'>): Promise<void> {
    const recipient = await this.recipientOf(context, data.userId);
    await this.send(
      context,
      'order-rejected',
      data.orderId,
      recipient,
      orderRejectedEmail(recipient.name, data.orderId, data.reason),
    );
  }

  private async recipientOf(context: MessageContext, userId: string): Promise<Recipient> {
    const recipient = await this.repository.recipient(context.transaction, userId);
    if (!recipient) throw new NotYetKnownError(`user ${userId}`);
    return recipient;
  }

  private async send(context: MessageContext, kind: EmailKind, subject: string, to: Recipient, email: Email) {
    const messageId = messageIdOf(kind, subject);
    const fresh = await this.repository.claim(context.transaction, {
      messageId,
      kind,
      recipient: to.email,
      subject: email.subject,
      eventId: context.envelope.id,
    });
    if (!fresh) {
      context.afterCommit(() => this.emails.inc({ kind, outcome: 'deduplicated' }));
      return;
    }
    try {
      await this.mailer.send({ ...email, to: to.email, messageId });
    } catch (error) {
      this.emails.inc({ kind, outcome: 'failed' });
      this.logger.warn({ err: error, kind, messageId }, 'email not sent: the message is retried');
      throw error;
    }
    context.afterCommit(() => this.emails.inc({ kind, outcome: 'sent' }));
  }
}
