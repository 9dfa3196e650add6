import { expect, it } from '@jest/globals';
import type { Envelope } from '@refarch/contracts';
import { runWithContext } from '@refarch/observability';
import type { OutboxStore } from '../src/index.js';
import { testMessage } from './helpers.js';

export interface OutboxUnderTest {
  store: OutboxStore;
  /** A second store on the same outbox (another replica). */
  other: OutboxStore;
  /** Writes messages the way the adapter's users do (a transaction, an aggregate update). */
  write(envelopes: Envelope[]): Promise<void>;
  reset(): Promise<void>;
}

/** The contract every outbox adapter keeps (PostgreSQL here; MongoDB where one is reachable). */
export function outboxContract(setup: () => OutboxUnderTest) {
  it('claims pending records oldest first and keeps them until completed', async () => {
    const t = setup();
    await t.reset();
    const messages = [1, 2, 3].map((n) => testMessage(n));
    await t.write(messages);
    expect(await t.store.pendingCount()).toBe(3);
    const batch = await t.store.claim(10);
    expect(batch.records.map((r) => r.envelope)).toEqual(messages);
    expect(batch.records.every((r) => r.destination && r.createdAt instanceof Date)).toBe(true);
    await batch.complete([messages[0]!.id, messages[2]!.id]);
    expect(await t.store.pendingCount()).toBe(1);
    const rest = await t.store.claim(10);
    expect(rest.records.map((r) => r.id)).toEqual([messages[1]!.id]);
    await rest.complete([messages[1]!.id]);
    expect(await t.store.pendingCount()).toBe(0);
    const empty = await t.store.claim(10);
    expect(empty.records).toEqual([]);
    await empty.complete([]);
  });

  it('keeps the trace of the request or message that wrote a record, for the relay to publish it with', async () => {
    const t = setup();
    await t.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await runWithContext({ correlationId: 'traced', traceId }, () => t.write([testMessage(1)]));
    await t.write([testMessage(2)]);
    const batch = await t.store.claim(10);
    const [traced, untraced] = batch.records;
    expect(traced!.headers['traceparent']).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // Written in no context: no traceparent, and the publisher starts a trace of its own.
    expect(untraced!.headers['traceparent']).toBeUndefined();
    await batch.complete(batch.records.map((r) => r.id));
  });

  it('never hands the same record to two relays at once', async () => {
    const t = setup();
    await t.reset();
    await t.write(Array.from({ length: 20 }, (_, n) => testMessage(n)));
    const a = await t.store.claim(12);
    const b = await t.other.claim(12);
    const ids = [...a.records, ...b.records].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(20);
    await a.complete(a.records.map((r) => r.id));
    await b.complete(b.records.map((r) => r.id));
    expect(await t.store.pendingCount()).toBe(0);
  });

  it('gives a record back when its publish was not confirmed', async () => {
    const t = setup();
    await t.reset();
    const m = testMessage(1);
    await t.write([m]);
    const batch = await t.store.claim(10);
    await batch.complete([]);
    const again = await t.store.claim(10);
    expect(again.records.map((r) => r.id)).toEqual([m.id]);
    await again.complete([m.id]);
  });
}
