import { randomUUID } from 'node:crypto';
import type { Envelope } from '@refarch/contracts';
import type { Collection, Document } from 'mongodb';
import type { ClaimedBatch, OutboxRecord, OutboxStore } from './relay.js';

/** Field of an aggregate document holding its unpublished messages. */
export const MONGO_OUTBOX_FIELD = 'outbox';

interface StoredRecord {
  id: string;
  destination: string;
  envelope: Envelope;
  headers: Record<string, unknown>;
  createdAt: Date;
}

/** An outbox entry for an aggregate document: put it in `outbox: [...]` of a document being inserted. */
export function mongoOutboxRecord(
  envelope: Envelope,
  options: { destination?: string; headers?: Record<string, unknown> } = {},
): Document {
  const record: StoredRecord = {
    id: envelope.id,
    destination: options.destination ?? 'event',
    envelope,
    headers: options.headers ?? {},
    createdAt: new Date(),
  };
  return record;
}

/**
 * MongoDB has no multi-document transaction here, so the outbox lives *inside* the aggregate: the same single-document
 * update that changes the order pushes its events into the document's `outbox` array — atomic by construction.
 * Merge the returned operator into that update: `{ $set: {...}, ...pushToOutbox(envelope) }`.
 */
export function pushToOutbox(
  envelope: Envelope,
  options: { destination?: string; headers?: Record<string, unknown> } = {},
): { $push: Document } {
  return { $push: { [MONGO_OUTBOX_FIELD]: mongoOutboxRecord(envelope, options) } };
}

/**
 * Relays the outboxes of one collection. A relay claims a document with a lease (a time-limited owner mark set by an
 * atomic findOneAndUpdate), publishes its records, then pulls exactly the confirmed ones; another replica skips
 * leased documents, and a crashed relay's lease simply expires. `ensureIndexes()` creates the indexes it needs.
 */
export class MongoOutboxStore implements OutboxStore {
  private readonly owner = randomUUID();

  constructor(
    private readonly collection: Collection<Document>,
    private readonly leaseMs = 30_000,
  ) {}

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ [`${MONGO_OUTBOX_FIELD}.id`]: 1 }, { sparse: true });
    await this.collection.createIndex({ outboxLeaseUntil: 1 }, { sparse: true });
  }

  async claim(limit: number): Promise<ClaimedBatch> {
    const claimed: { docId: unknown; records: StoredRecord[] }[] = [];
    let count = 0;
    while (count < limit) {
      const now = new Date();
      const doc = await this.collection.findOneAndUpdate(
        {
          [`${MONGO_OUTBOX_FIELD}.0`]: { $exists: true },
          $or: [{ outboxLeaseUntil: { $exists: false } }, { outboxLeaseUntil: { $lt: now } }],
        },
        { $set: { outboxLeaseUntil: new Date(now.getTime() + this.leaseMs), outboxLeaseOwner: this.owner } },
        { returnDocument: 'after', projection: { [MONGO_OUTBOX_FIELD]: 1 } },
      );
      if (!doc) break;
      const records = (doc[MONGO_OUTBOX_FIELD] as StoredRecord[]).slice(0, limit - count);
      claimed.push({ docId: doc._id, records });
      count += records.length;
    }
    const records: OutboxRecord[] = claimed.flatMap((c) => c.records);
    return {
      records,
      complete: async (publishedIds) => {
        const published = new Set(publishedIds);
        for (const { docId, records: docRecords } of claimed) {
          const ids = docRecords.filter((r) => published.has(r.id)).map((r) => r.id);
          // Only the lease owner releases; pulled by id, so events appended meanwhile stay.
          await this.collection.updateOne(
            { _id: docId, outboxLeaseOwner: this.owner } as Document,
            {
              $pull: { [MONGO_OUTBOX_FIELD]: { id: { $in: ids } } },
              $unset: { outboxLeaseUntil: '', outboxLeaseOwner: '' },
            } as Document,
          );
        }
      },
    };
  }

  async pendingCount(): Promise<number> {
    const [result] = await this.collection
      .aggregate<{ n: number }>([
        { $match: { [`${MONGO_OUTBOX_FIELD}.0`]: { $exists: true } } },
        { $group: { _id: null, n: { $sum: { $size: `$${MONGO_OUTBOX_FIELD}` } } } },
      ])
      .toArray();
    return result?.n ?? 0;
  }

  /** Published records are removed from the document when confirmed: nothing to prune. */
  prune(): Promise<number> {
    return Promise.resolve(0);
  }
}
