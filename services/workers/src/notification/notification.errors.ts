/**
 * An event arrived before what it refers to (an approval before its order's creation, an order before its user's
 * registration): thrown, so the message waits in the retry queues and comes back; after the last retry it is in the
 * DLQ, where `npm run dlq` can replay it.
 */
export class NotYetKnownError extends Error {
  constructor(what: string) {
    super(`${what} is not known yet (its event has not arrived): retried later`);
    this.name = 'NotYetKnownError';
  }
}
