import { randomUUID } from 'node:crypto';
import { envelopeSchema, type Envelope } from './envelope.js';
import { isMessageType, MESSAGES, type MessageData, type MessageType } from './events.js';

export type ParseResult<T = unknown> = { ok: true; envelope: Envelope<T> } | { ok: false; error: string };

function describe(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Unpaired UTF-16 surrogates are not text: PostgreSQL's jsonb and most consumers reject them. */
function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value && typeof value === 'object') return Object.values(value).every(wellFormed);
  return true;
}

/**
 * Validates an envelope and its `data` against the schema of its type. Used on publish and on consume, so an
 * invalid message is refused before it leaves, and never reaches a handler if it arrives anyway.
 */
export function parseEnvelope(value: unknown): ParseResult {
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) return { ok: false, error: `invalid envelope: ${describe(envelope.error.issues)}` };
  const { type } = envelope.data;
  if (!isMessageType(type)) return { ok: false, error: `unknown message type ${type}` };
  const data = MESSAGES[type].safeParse(envelope.data.data);
  if (!data.success) return { ok: false, error: `invalid ${type} data: ${describe(data.error.issues)}` };
  if (!wellFormed(data.data)) return { ok: false, error: `invalid ${type} data: a string holds an unpaired surrogate` };
  return { ok: true, envelope: { ...envelope.data, data: data.data } };
}

/** Parses a raw message body (bytes or text) as JSON, then as an envelope. */
export function parseMessage(body: Buffer | string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (error) {
    return { ok: false, error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  return parseEnvelope(json);
}

export interface EnvelopeOptions {
  correlationId: string;
  causationId?: string;
  id?: string;
  occurredAt?: Date;
}

/** A valid envelope for `type` (throws if `data` does not match its schema: a bug in the publisher). */
export function createEnvelope<T extends MessageType>(
  type: T,
  data: MessageData<T>,
  options: EnvelopeOptions,
): Envelope<MessageData<T>> {
  const candidate = {
    id: options.id ?? randomUUID(),
    type,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    correlationId: options.correlationId,
    ...(options.causationId !== undefined ? { causationId: options.causationId } : {}),
    data,
  };
  const parsed = parseEnvelope(candidate);
  if (!parsed.ok) throw new Error(`refusing to create an invalid ${type} message: ${parsed.error}`);
  return parsed.envelope as Envelope<MessageData<T>>;
}
