import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, type Pool, type PoolClient } from '@refarch/postgres';
import type { OrderLine } from './templates.js';

export type EmailKind = 'welcome' | 'order-confirmed' | 'order-rejected';

export interface Recipient {
  email: string;
  name: string;
}

export interface OrderSummary {
  userId: string;
  items: OrderLine[];
  totalCents: number;
}

export interface SentEmail {
  messageId: string;
  kind: EmailKind;
  recipient: string;
  subject: string;
  eventId: string;
  sentAt: string;
}

/** All persistence of the notification role: its projections of users and orders, and the emails it sent. */
@Injectable()
export class NotificationRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async saveRecipient(tx: PoolClient, userId: string, recipient: Recipient): Promise<void> {
    await tx.query(
      `INSERT INTO recipients (user_id, email, name) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name`,
      [userId, recipient.email, recipient.name],
    );
  }

  async recipient(tx: PoolClient, userId: string): Promise<Recipient | undefined> {
    const { rows } = await tx.query<Recipient>(`SELECT email, name FROM recipients WHERE user_id = $1`, [userId]);
    return rows[0];
  }

  async saveOrder(tx: PoolClient, orderId: string, order: OrderSummary): Promise<void> {
    await tx.query(
      `INSERT INTO orders (order_id, user_id, items, total_cents) VALUES ($1, $2, $3, $4)
       ON CONFLICT (order_id) DO NOTHING`,
      [orderId, order.userId, JSON.stringify(order.items), order.totalCents],
    );
  }

  async order(tx: PoolClient, orderId: string): Promise<OrderSummary | undefined> {
    const { rows } = await tx.query<{ userId: string; items: OrderLine[]; totalCents: string }>(
      `SELECT user_id AS "userId", items, total_cents AS "totalCents" FROM orders WHERE order_id = $1`,
      [orderId],
    );
    return rows[0] && { ...rows[0], totalCents: Number(rows[0].totalCents) };
  }

  /**
   * Claims the email `messageId` in the handler's transaction: true when it is new (send it), false when it was
   * sent already (another event asked for the same email). The row commits with the inbox row, after the send.
   */
  async claim(tx: PoolClient, email: Omit<SentEmail, 'sentAt'>): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO emails (message_id, kind, recipient, subject, event_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (message_id) DO NOTHING`,
      [email.messageId, email.kind, email.recipient, email.subject, email.eventId],
    );
    return rowCount === 1;
  }

  /** The newest 100 emails sent. */
  async sent(): Promise<SentEmail[]> {
    const { rows } = await this.pool.query<Omit<SentEmail, 'sentAt'> & { sentAt: Date }>(
      `SELECT message_id AS "messageId", kind, recipient, subject, event_id AS "eventId", sent_at AS "sentAt"
       FROM emails ORDER BY sent_at DESC, message_id LIMIT 100`,
    );
    return rows.map((r) => ({ ...r, sentAt: r.sentAt.toISOString() }));
  }
}
