import { rejectionKind, type RejectionKind } from '@refarch/contracts';

// The three emails, each with a text and an HTML body. Plain functions over the event's data: every value that goes
// into HTML is escaped, amounts are formatted once.

export interface OrderLine {
  sku: string;
  quantity: number;
  priceCents: number;
}

export interface Email {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CELL = 'padding:4px 16px 4px 0';

/** As the shop shows amounts (services/frontend: euros, `12.99 €`). */
export const formatCents = (cents: number) => `${(cents / 100).toFixed(2)} €`;

const page = (title: string, body: string) =>
  `<!doctype html><html><body style="font-family:sans-serif;max-width:36rem"><h1 style="font-size:1.3rem">${escapeHtml(title)}</h1>${body}<p style="color:#666">RefArch Shop</p></body></html>`;

export function welcomeEmail(name: string): Email {
  const subject = 'Welcome to RefArch Shop';
  return {
    subject,
    text: `Hello ${name},\n\nyour account is ready. Happy shopping!\n\nRefArch Shop\n`,
    html: page(subject, `<p>Hello ${escapeHtml(name)},</p><p>your account is ready. Happy shopping!</p>`),
  };
}

export function orderConfirmedEmail(name: string, orderId: string, items: OrderLine[], totalCents: number): Email {
  const subject = `Your order ${orderId} is confirmed`;
  const lines = items.map((i) => `  ${i.quantity} × ${i.sku}  ${formatCents(i.priceCents * i.quantity)}`);
  const rows = items
    .map(
      (i) =>
        `<tr><td style="${CELL}">${i.quantity} ×</td><td style="${CELL}">${escapeHtml(i.sku)}</td><td style="${CELL};text-align:right">${formatCents(i.priceCents * i.quantity)}</td></tr>`,
    )
    .join('');
  return {
    subject,
    text: `Hello ${name},\n\nthank you: order ${orderId} is paid and on its way.\n\n${lines.join('\n')}\n  Total  ${formatCents(totalCents)}\n\nRefArch Shop\n`,
    html: page(
      subject,
      `<p>Hello ${escapeHtml(name)},</p><p>thank you: order <code>${escapeHtml(orderId)}</code> is paid and on its way.</p><table>${rows}<tr><th colspan="2" style="${CELL};text-align:left;border-top:1px solid #ccc">Total</th><th style="${CELL};text-align:right;border-top:1px solid #ccc">${formatCents(totalCents)}</th></tr></table>`,
    ),
  };
}

/** The saga's reasons are technical text; what a customer reads is one of these. */
const PLAIN_REASONS: Record<RejectionKind, string> = {
  payment_declined: 'your payment was declined; no money was taken',
  out_of_stock: 'some items are out of stock; nothing was charged',
  shipping_failed: 'we could not arrange shipping; nothing was charged',
  timed_out: 'it took too long to complete; nothing was charged',
  other: 'we could not complete it; nothing was charged',
};

export const plainReason = (reason: string): string => PLAIN_REASONS[rejectionKind(reason)];

export function orderRejectedEmail(name: string, orderId: string, reason: string): Email {
  const subject = `Your order ${orderId} could not be completed`;
  const why = plainReason(reason);
  return {
    subject,
    text: `Hello ${name},\n\nwe are sorry: order ${orderId} could not be completed because ${why}.\n\nRefArch Shop\n`,
    html: page(
      subject,
      `<p>Hello ${escapeHtml(name)},</p><p>we are sorry: order <code>${escapeHtml(orderId)}</code> could not be completed because ${escapeHtml(why)}.</p>`,
    ),
  };
}
