import { EventPattern } from '@nestjs/microservices';
import type { MessageType } from '@refarch/contracts';
import type { EventPatternExtras } from './rabbitmq.transport.js';

/**
 * Nest's `@EventPattern(type, extras)`, typed to the message types of @refarch/contracts: a typo does not compile
 * (and an untyped pattern the transport does not know fails start-up). The handler takes `@Payload()` and
 * `@Ctx() context: MessageContext`. Written as a wrapper because Nest 12's typed `EventPattern` overload accepts
 * only handlers declared exactly `(data, ...args: unknown[])`, so any handler with a `@Ctx()` parameter failed to
 * compile (TS1241); `EventPattern<string>` selects its untyped overload, and the metadata is Nest's own.
 */
export const OnMessage = (type: MessageType, extras: EventPatternExtras = {}): MethodDecorator =>
  EventPattern<string>(type, extras as Record<string, unknown>);
