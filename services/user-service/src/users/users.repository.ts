import { Inject, Injectable } from '@nestjs/common';
import type { Envelope } from '@refarch/contracts';
import { addToOutbox } from '@refarch/messaging';
import { isPgError, PG_POOL, UNIQUE_VIOLATION, withTransaction, type Pool } from '@refarch/postgres';
import { EmailTakenError } from './user.errors.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, email, name, password_hash AS "passwordHash", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** All persistence of users: the `users` table only. */
@Injectable()
export class UsersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Inserts the user and, in the same transaction, its events into the outbox: both commit or neither. */
  async insert(
    user: { id: string; email: string; name: string; passwordHash: string },
    events: Envelope[],
  ): Promise<UserRow> {
    try {
      return await withTransaction(this.pool, async (client) => {
        const { rows } = await client.query<UserRow>(
          `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
          [user.id, user.email, user.name, user.passwordHash],
        );
        for (const event of events) await addToOutbox(client, event);
        return rows[0]!;
      });
    } catch (error) {
      // The unique index decides, so two concurrent registrations of one email cannot both succeed.
      if (isPgError(error, UNIQUE_VIOLATION, 'users_email_key')) throw new EmailTakenError();
      throw error;
    }
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
    return rows[0];
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0];
  }

  async updateName(id: string, name: string): Promise<UserRow | undefined> {
    const { rows } = await this.pool.query<UserRow>(
      `UPDATE users SET name = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, name],
    );
    return rows[0];
  }
}
