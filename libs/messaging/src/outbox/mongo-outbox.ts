import { randomUUID } from 'node:crypto';
import type { Envelope } from '@refarch/contracts';
import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import type { ClaimedBatch, OutboxRecord, OutboxStore } from './relay.js';
import { outboxHeaders } from './trace.js';

/** Field of an aggregate document holding its unpublished messages. */
export const MONGO_OUTBOX_FIELD = 'outbox';
/**
 * `true` while a document has messages to publish, absent otherwise: the one indexed field the relay claims on, so a
 * poll reads the index of pending documents instead of scanning every order ever placed.
 */
export const MONGO_OUTBOX_PENDING = 'outboxPending';
const LEASE_UNTIL = 'outboxLeaseUntil';
const LEASE_OWNER = 'outboxLeaseOwner';

interface StoredRecord {
  id: string;
  destination: string;
  envelope: Envelope;
  headers: Record<string, unknown>;
  createdAt: Date;
}

interface OutboxOptions {
  destination?: string;
  headers?: Record<string, unknown>;
}

function record(envelope: Envelope, options: OutboxOptions): StoredRecord {
  return {
    id: envelope.id,
    destination: options.destination ?? 'event',
    envelope,
    headers: outboxHeaders(options.headers),
    createdAt: new Date(),
  };
}

/**
 * The outbox fields of an aggregate document being inserted with its first messages: `{ ...doc, ...mongoOutbox(e) }`
 * (one envelope or several, published in their order).
 */
export function mongoOutbox(envelopes: Envelope | readonly Envelope[], options: OutboxOptions = {}): Document {
  const records = (Array.isArray(envelopes) ? envelopes : [envelopes]).map((e: Envelope) => record(e, options));
  return records.length ? { [MONGO_OUTBOX_FIELD]: records, [MONGO_OUTBOX_PENDING]: true } : {};
}

/**
 * MongoDB has no multi-document transaction here, so the outbox lives *inside* the aggregate: the same single-document
 * update that changes the order pushes its events into the document's `outbox` array and marks it pending — atomic
 * by construction. `withOutbox({ $set: {...} }, envelope)` returns that update with the message added; the lease
 * fields are left alone, so a relay holding the document keeps it (it sees the new message when it completes).
 */
export function withOutbox(update: Document, envelope: Envelope, options: OutboxOptions = {}): Document {
  return {
    ...update,
    $set: { ...(update.$set as Document | undefined), [MONGO_OUTBOX_PENDING]: true },
    $push: { ...(update.$push as Document | undefined), [MONGO_OUTBOX_FIELD]: record(envelope, options) },
  };
}

/**
 * Relays the outboxes of one collection. A relay claims a pending document with a lease (an owner and a time, set by
 * an atomic findOneAndUpdate), publishes its records, then pulls exactly the confirmed ones; another replica skips
 * leased documents, and a crashed relay's lease simply expires. Lease times are the *server's* clock (`$$NOW`), so
 * pods whose clocks disagree never steal or keep a lease early. Call `ensureIndexes()` before relaying.
 */
export class MongoOutboxStore implements OutboxStore {
  private readonly owner = randomUUID();

  constructor(
    private readonly collection: Collection<Document>,
    private readonly leaseMs = 30_000,
  ) {}

  async ensureIndexes(): Promise<void> {
    // Only pending documents are in it (the partial filter is the claim's own equality, so the planner uses it).
    await this.collection.createIndex(
      { [MONGO_OUTBOX_PENDING]: 1, _id: 1 },
      { name: 'outbox_pending', partialFilterExpression: { [MONGO_OUTBOX_PENDING]: true } },
    );
  }

  async claim(limit: number): Promise<ClaimedBatch> {
    const claimed: { docId: unknown; records: StoredRecord[] }[] = [];
    let count = 0;
    // Bounded by documents too: pending documents with an empty outbox (an interrupted completion) add no records.
    while (count < limit && claimed.length < limit) {
      const doc = await this.collection.findOneAndUpdate(
        {
          [MONGO_OUTBOX_PENDING]: true,
          // Not leased, or the lease ran out by the server's clock.
          $expr: { $lt: [{ $ifNull: [`$${LEASE_UNTIL}`, new Date(0)] }, '$$NOW'] },
        },
        // A pipeline update, for $$NOW; the owner is a literal (a pipeline would read "$…" as a field path).
        [{ $set: { [LEASE_UNTIL]: { $add: ['$$NOW', this.leaseMs] }, [LEASE_OWNER]: { $literal: this.owner } } }],
        { sort: { _id: 1 }, returnDocument: 'after', projection: { [MONGO_OUTBOX_FIELD]: 1 } },
      );
      if (!doc) break;
      const records = ((doc[MONGO_OUTBOX_FIELD] as StoredRecord[] | undefined) ?? []).slice(0, limit - count);
      claimed.push({ docId: doc._id, records });
      count += records.length;
    }
    const records: OutboxRecord[] = claimed.flatMap((c) => c.records);
    return {
      records,
      complete: async (publishedIds) => {
        if (claimed.length === 0) return;
        const published = new Set(publishedIds);
        const step = (filter: Document, update: Document): AnyBulkWriteOperation<Document> => ({
          updateOne: { filter, update },
        });
        const operations = claimed.flatMap(({ docId, records: docRecords }) => {
          const ids = docRecords.filter((r) => published.has(r.id)).map((r) => r.id);
          return [
            // Confirmed records go whoever holds the lease now: a relay that lost its lease (a pause longer than
            // the lease) still removes what it published, so nothing it confirmed is published again needlessly.
            ...(ids.length ? [step({ _id: docId }, { $pull: { [MONGO_OUTBOX_FIELD]: { id: { $in: ids } } } })] : []),
            // Only the lease owner releases the lease.
            step({ _id: docId, [LEASE_OWNER]: this.owner }, { $unset: { [LEASE_UNTIL]: '', [LEASE_OWNER]: '' } }),
            // No longer pending once empty. Its own atomic step: a message pushed meanwhile makes the array
            // non-empty, so this does not match and the document stays pending.
            step({ _id: docId, [MONGO_OUTBOX_FIELD]: { $size: 0 } }, { $unset: { [MONGO_OUTBOX_PENDING]: '' } }),
          ];
        });
        // One round trip for the whole batch; ordered, so each document's steps run in the order above.
        await this.collection.bulkWrite(operations, { ordered: true });
      },
    };
  }

  /** Counted through the pending index (a metrics scrape reads pending documents only). */
  async pendingCount(): Promise<number> {
    const [result] = await this.collection
      .aggregate<{ n: number }>([
        { $match: { [MONGO_OUTBOX_PENDING]: true } },
        { $group: { _id: null, n: { $sum: { $size: { $ifNull: [`$${MONGO_OUTBOX_FIELD}`, []] } } } } },
      ])
      .toArray();
    return result?.n ?? 0;
  }

  /** Published records are removed from the document when confirmed: nothing to prune. */
  prune(): Promise<number> {
    return Promise.resolve(0);
  }
}
