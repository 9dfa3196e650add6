import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEnvelope, MESSAGE_EXAMPLES } from '@refarch/contracts';
import { requireInfra } from '@refarch/testing';
import { randomBytes } from 'node:crypto';
import type { Collection, Document, MongoClient } from 'mongodb';
import { mongoOutbox, MongoOutboxStore, withOutbox } from './exports.js';
import { outboxContract } from './outbox-contract.js';

const infra = await requireInfra('libs/messaging outbox (MongoDB)', 'mongodb');

(infra ? describe : describe.skip)('MongoDB outbox (store contract)', () => {
  let client: MongoClient;
  let collection: Collection<Document>;
  beforeAll(async () => {
    const { MongoClient } = await import('mongodb');
    client = new MongoClient(infra!.mongodb, { serverSelectionTimeoutMS: 5_000 });
    await client.connect();
    collection = client.db(`refarch_test_outbox_${randomBytes(4).toString('hex')}`).collection('orders');
  });
  afterAll(async () => {
    await collection.db.dropDatabase();
    await client.close();
  });

  outboxContract(() => ({
    store: new MongoOutboxStore(collection),
    other: new MongoOutboxStore(collection),
    // Each message belongs to its own aggregate here; the update that would change the order pushes its event.
    write: async (envelopes) => {
      for (const envelope of envelopes) {
        const { insertedId } = await collection.insertOne({ status: 'NEW', outbox: [] });
        await collection.updateOne({ _id: insertedId }, withOutbox({ $set: { status: 'PENDING' } }, envelope));
      }
    },
    reset: async () => {
      await collection.deleteMany({});
    },
  }));
});

// The fields a new aggregate document is inserted with; no server needed.
describe('mongoOutbox', () => {
  const a = createEnvelope('orders.order-created.v1', MESSAGE_EXAMPLES['orders.order-created.v1'], {
    correlationId: 'c',
  });
  const b = createEnvelope('orders.order-approved.v1', MESSAGE_EXAMPLES['orders.order-approved.v1'], {
    correlationId: 'c',
  });

  it('holds every envelope given, in order, and marks the document pending', () => {
    const fields = mongoOutbox([a, b]);
    expect(fields['outboxPending']).toBe(true);
    expect((fields['outbox'] as { id: string }[]).map((r) => r.id)).toEqual([a.id, b.id]);
    expect((mongoOutbox(a)['outbox'] as { id: string }[]).map((r) => r.id)).toEqual([a.id]);
  });

  it('adds nothing for no envelope (a document that is not pending stays out of the relay index)', () => {
    expect(mongoOutbox([])).toEqual({});
  });
});
