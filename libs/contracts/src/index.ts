export { envelopeSchema, EVENT_TYPE } from './envelope.js';
export type { Envelope } from './envelope.js';
export { MESSAGE_EXAMPLES } from './examples.js';
export { COMMANDS, isMessageType, MESSAGES, SHIPPING_COMMANDS_QUEUE } from './events.js';
export type { MessageData, MessageType } from './events.js';
export { createEnvelope, parseEnvelope, parseMessage } from './validate.js';
export type { EnvelopeOptions, ParseResult } from './validate.js';
export { ERROR_CODES } from './api.js';
export type { OrderItemView, OrderStatus, OrderView, PublicOrderView } from './api.js';
