import { BaseRpcContext } from '@nestjs/microservices';
import type { Envelope } from '@refarch/contracts';
import type { ConsumeMessage } from 'amqplib';
import type pg from 'pg';

type MessageContextArgs = [envelope: Envelope, message: ConsumeMessage, transaction: pg.PoolClient | undefined];

/**
 * What a message handler gets with `@Ctx()`: the envelope, the raw AMQP message, and — in a service whose messaging
 * has an inbox (`outbox: 'postgres'`) — the open transaction the inbox row is in. Write the handler's effects through
 * {@link transaction}: they commit together with the inbox row, and the message is acked after that commit.
 */
export class MessageContext extends BaseRpcContext<MessageContextArgs> {
  private readonly committed: (() => void)[] = [];

  get envelope(): Envelope {
    return this.args[0];
  }

  get message(): ConsumeMessage {
    return this.args[1];
  }

  /** The inbox transaction; throws in a service without an inbox, where effects must be idempotent on their own. */
  get transaction(): pg.PoolClient {
    const client = this.args[2];
    if (!client)
      throw new Error(
        'MessageContext.transaction: this service has no inbox (MessagingModule needs outbox: "postgres")',
      );
    return client;
  }

  /**
   * Runs `work` once the effects committed (wake a poller, count an outcome). Never for a duplicate or a failed
   * attempt; an error in `work` is logged and does not retry the message.
   */
  afterCommit(work: () => void): void {
    this.committed.push(work);
  }

  /** @internal Called by the transport after the commit. */
  runAfterCommit(onError: (error: unknown) => void): void {
    for (const work of this.committed.splice(0)) {
      try {
        work();
      } catch (error) {
        onError(error);
      }
    }
  }
}
