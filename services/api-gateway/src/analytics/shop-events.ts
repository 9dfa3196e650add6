import { MESSAGES } from '@refarch/contracts';
import { z } from 'zod';

/** The events the frontend may send: what a shopper does, never an order or payment fact. */
export const SHOP_EVENT_TYPES = [
  'shop.product-viewed.v1',
  'shop.cart-item-added.v1',
  'shop.checkout-started.v1',
] as const;
export type ShopEventType = (typeof SHOP_EVENT_TYPES)[number];

/** At most this many events per batch (the frontend sends every few seconds, far fewer). */
export const MAX_BATCH = 50;
/** How far an event's `at` may lie in the past (a batch held while offline) or the future (a fast clock). */
const MAX_AGE_MS = 10 * 60_000;
const MAX_AHEAD_MS = 60_000;

/**
 * `POST /api/events` body: `{ events: [{ id, type, at?, data }] }`. `id` (a UUID the frontend makes) becomes the
 * envelope's id, so a batch sent again after an error counts once downstream; `data` is the contract's without
 * `userId`, which the gateway sets from the caller's token — never from the client.
 */
export const eventBatchSchema = z
  .strictObject({
    events: z
      .array(
        z.strictObject({
          id: z.uuid(),
          type: z.enum(SHOP_EVENT_TYPES),
          at: z.iso.datetime({ offset: true }).optional(),
          data: z.record(z.string(), z.unknown()),
        }),
      )
      .min(1)
      .max(MAX_BATCH),
  })
  .superRefine((batch, ctx) => {
    const now = Date.now();
    batch.events.forEach((event, i) => {
      if ('userId' in event.data) {
        ctx.addIssue({ code: 'custom', path: ['events', i, 'data', 'userId'], message: 'is set by the gateway' });
      }
      const parsed = (MESSAGES[event.type] as z.ZodObject).omit({ userId: true }).safeParse(event.data);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          ctx.addIssue({ code: 'custom', path: ['events', i, 'data', ...issue.path], message: issue.message });
      }
      if (event.at) {
        const t = Date.parse(event.at);
        if (t < now - MAX_AGE_MS || t > now + MAX_AHEAD_MS) {
          ctx.addIssue({ code: 'custom', path: ['events', i, 'at'], message: 'must be within the last 10 minutes' });
        }
      }
    });
  });
export type EventBatch = z.output<typeof eventBatchSchema>;
