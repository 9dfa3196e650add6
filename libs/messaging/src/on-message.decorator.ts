import { SetMetadata } from '@nestjs/common';
import type { MessageType } from '@refarch/contracts';

/** Metadata key of {@link OnMessage}. */
export const ON_MESSAGE = Symbol('ON_MESSAGE');

export interface HandlerMetadata {
  type: MessageType;
  queue?: string;
}

/**
 * Marks a provider method as the handler of one message type: `@OnMessage('orders.order-created.v1')`.
 * The method gets `(data, envelope, message)`; make its effects idempotent with `handleOnce()` (the inbox) and
 * return its result, so duplicates are counted as such. Events bind the queue to their routing key; commands are
 * sent to the queue directly. Queue: `<service>` unless `{ queue }` says otherwise.
 */
export const OnMessage = (type: MessageType, options: { queue?: string } = {}) =>
  SetMetadata(ON_MESSAGE, { type, ...options } satisfies HandlerMetadata);
