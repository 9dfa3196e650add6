import type { Envelope } from '@refarch/contracts';
import { DependencyUnavailableError } from '@refarch/errors';
import { mongoOutbox, withOutbox } from '@refarch/messaging';
import { ObjectId, type Collection } from 'mongodb';
import type { NewOrder, Order, OrderStatus, OrderStore, PricedItem, TransitionResult } from './order.js';

interface OrderDocument {
  _id: string;
  userId: string;
  items: PricedItem[];
  totalCents: number;
  status: OrderStatus;
  reason?: string;
  idempotencyKey?: string;
  requestHash?: string;
  createdAt: Date;
  /**
   * Tie-breaker of "newest first": `createdAt` has millisecond resolution, and equal values come back in any order.
   * An ObjectId made at creation increases within a process (its counter), so one user's orders keep their order.
   */
  createdSeq: ObjectId;
  updatedAt: Date;
  outbox?: unknown[];
}

function toOrder(doc: OrderDocument): Order {
  return {
    orderId: doc._id,
    userId: doc.userId,
    items: doc.items,
    totalCents: doc.totalCents,
    status: doc.status,
    ...(doc.reason ? { reason: doc.reason } : {}),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

const DUPLICATE_KEY = 11000;

/**
 * Orders in MongoDB, one document each. Atomicity without multi-document transactions: the event is pushed into
 * the order document's `outbox` array by the same single-document write that changes the order
 * (libs/messaging MongoOutboxStore relays it from there).
 */
export class MongoOrderStore implements OrderStore {
  private indexed = false;

  constructor(private readonly orders: Collection<OrderDocument>) {}

  /** Creates the indexes; until they exist, `create` refuses (503): without the unique index a key could be reused. */
  async ensureIndexes(): Promise<void> {
    await this.orders.createIndex(
      { userId: 1, idempotencyKey: 1 },
      // `$exists`, not `$type: 'string'`: the planner can use a partial index only for queries it can prove are a
      // subset of the filter, and it cannot prove that of `findByKey`'s equality against `$type`.
      { unique: true, name: 'idempotency_key', partialFilterExpression: { idempotencyKey: { $exists: true } } },
    );
    await this.orders.createIndex({ userId: 1, createdAt: -1, createdSeq: -1 }, { name: 'user_newest_first' });
    this.indexed = true;
  }

  async create(order: NewOrder, event: Envelope) {
    if (!this.indexed) throw new DependencyUnavailableError('MongoDB');
    const now = new Date();
    const doc: OrderDocument = {
      _id: order.orderId,
      userId: order.userId,
      items: order.items,
      totalCents: order.totalCents,
      status: 'PENDING',
      ...(order.idempotency
        ? { idempotencyKey: order.idempotency.key, requestHash: order.idempotency.requestHash }
        : {}),
      createdAt: now,
      createdSeq: new ObjectId(),
      updatedAt: now,
      ...mongoOutbox(event),
    };
    try {
      await this.orders.insertOne(doc);
      return { order: toOrder(doc), created: true };
    } catch (error) {
      if (order.idempotency && (error as { code?: unknown }).code === DUPLICATE_KEY) {
        const first = await this.findByKey(order.userId, order.idempotency.key);
        if (first) return { order: first.order, created: false, requestHash: first.requestHash };
      }
      throw error;
    }
  }

  async findByKey(userId: string, key: string) {
    const doc = await this.orders.findOne({ userId, idempotencyKey: key });
    return doc ? { order: toOrder(doc), requestHash: doc.requestHash ?? '' } : undefined;
  }

  async find(orderId: string) {
    const doc = await this.orders.findOne({ _id: orderId });
    return doc ? toOrder(doc) : undefined;
  }

  async listByUser(userId: string, limit: number) {
    return (await this.orders.find({ userId }).sort({ createdAt: -1, createdSeq: -1 }).limit(limit).toArray()).map(
      toOrder,
    );
  }

  async ledger() {
    const docs = await this.orders
      .find({}, { projection: { _id: 1, status: 1, totalCents: 1 } })
      .sort({ createdAt: 1, createdSeq: 1 })
      .toArray();
    return docs.map((d) => ({ orderId: d._id, status: d.status, totalCents: d.totalCents }));
  }

  async transition(
    orderId: string,
    to: 'APPROVED' | 'REJECTED',
    reason: string | undefined,
    event: (order: Order) => Envelope,
  ): Promise<TransitionResult> {
    const current = await this.orders.findOne({ _id: orderId });
    if (!current) return { outcome: 'not_found' };
    if (current.status === to) return { outcome: 'unchanged', order: toOrder(current) };
    if (current.status !== 'PENDING') return { outcome: 'illegal', order: toOrder(current) };
    const next: Order = { ...toOrder(current), status: to, ...(reason ? { reason } : {}), updatedAt: new Date() };
    // Conditional on PENDING: of two racing transitions exactly one matches; the other re-reads and reports.
    const updated = await this.orders.findOneAndUpdate(
      { _id: orderId, status: 'PENDING' },
      withOutbox({ $set: { status: to, ...(reason ? { reason } : {}), updatedAt: next.updatedAt } }, event(next)),
      { returnDocument: 'after' },
    );
    if (updated) return { outcome: 'changed', order: toOrder(updated) };
    return this.transition(orderId, to, reason, event);
  }
}
