import { z } from 'zod';

/** `<context>.<event-name>.v<N>`, e.g. `orders.order-created.v1` (docs/architecture.md §4). */
export const EVENT_TYPE = /^[a-z][a-z0-9]*\.[a-z][a-z0-9-]*\.v[1-9][0-9]*$/;

/** The JSON envelope of every message; `data` is validated against the schema of `type`. */
export const envelopeSchema = z.strictObject({
  id: z.uuid(),
  type: z.string().regex(EVENT_TYPE, 'must look like <context>.<event-name>.v<N>'),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().min(1).max(128),
  causationId: z.string().min(1).max(128).optional(),
  data: z.unknown(),
});

export interface Envelope<T = unknown> {
  id: string;
  type: string;
  occurredAt: string;
  correlationId: string;
  causationId?: string;
  data: T;
}
