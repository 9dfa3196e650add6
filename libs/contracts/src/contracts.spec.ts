import { describe, expect, it } from '@jest/globals';
import {
  createEnvelope,
  MESSAGE_EXAMPLES,
  MESSAGES,
  parseEnvelope,
  parseMessage,
  rejectionKind,
  type MessageType,
} from './index.js';

const valid = () =>
  createEnvelope('users.user-registered.v1', { userId: 'u1', email: 'a@b.c', name: 'A' }, { correlationId: 'c1' });

describe('contracts', () => {
  it('creates envelopes that validate', () => {
    const envelope = valid();
    expect(envelope).toMatchObject({ type: 'users.user-registered.v1', correlationId: 'c1', data: { userId: 'u1' } });
    expect(parseEnvelope(envelope)).toEqual({ ok: true, envelope });
  });

  it('refuses to create an envelope whose data does not match its type', () => {
    expect(() =>
      createEnvelope('orders.order-rejected.v1', { orderId: 'o', userId: 'u', reason: '' }, { correlationId: 'c' }),
    ).toThrow(/reason/);
  });

  it('rejects unknown types, extra fields, malformed envelopes and non-JSON', () => {
    expect(parseEnvelope({ ...valid(), type: 'users.user-deleted.v1' })).toMatchObject({
      ok: false,
      error: /unknown message type/,
    });
    expect(parseEnvelope({ ...valid(), data: { userId: 'u1', email: 'a@b.c', name: 'A', admin: true } })).toMatchObject(
      { ok: false },
    );
    expect(parseEnvelope({ ...valid(), id: 'not-a-uuid' })).toMatchObject({ ok: false, error: /id/ });
    expect(parseEnvelope({ ...valid(), extra: 1 })).toMatchObject({ ok: false });
    expect(parseMessage('{not json')).toMatchObject({ ok: false, error: /not JSON/ });
    expect(parseEnvelope({ ...valid(), data: { userId: 'u1', email: 'a@b.c', name: 'A\ud800' } })).toMatchObject({
      ok: false,
      error: /surrogate/,
    });
    expect(parseMessage(Buffer.from(JSON.stringify(valid())))).toMatchObject({ ok: true });
  });

  it('has an example of every message type that its schema accepts', () => {
    for (const [type, schema] of Object.entries(MESSAGES)) {
      expect([type, schema.safeParse(MESSAGE_EXAMPLES[type as MessageType]).success]).toEqual([type, true]);
    }
  });

  it('names every message type <context>.<name>.v<N>', () => {
    for (const type of Object.keys(MESSAGES)) expect(type).toMatch(/^[a-z]+\.[a-z-]+\.v\d+$/);
  });
});

describe('rejectionKind', () => {
  it("reads the saga's reasons", () => {
    expect(
      [
        'payment declined: insufficient funds',
        'out of stock: LAMP-DESK',
        'shipping did not answer before the step deadline',
        'shipping failed: no carrier',
        'saga compensated',
      ].map(rejectionKind),
    ).toEqual(['payment_declined', 'out_of_stock', 'timed_out', 'shipping_failed', 'other']);
  });
});
