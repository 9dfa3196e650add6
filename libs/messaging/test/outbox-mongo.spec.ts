import { afterAll, beforeAll, describe } from '@jest/globals';
import { requireInfra } from '@refarch/testing';
import { randomBytes } from 'node:crypto';
import type { Collection, Document, MongoClient } from 'mongodb';
import { MongoOutboxStore, withOutbox } from './exports.js';
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
