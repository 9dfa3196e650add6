import { Inject, Injectable } from '@nestjs/common';
import { isPgError, PG_POOL, UNIQUE_VIOLATION, type Pool } from '@refarch/postgres';
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

  async insert(user: { id: string; email: string; name: string; passwordHash: string }): Promise<UserRow> {
    try {
      const { rows } = await this.pool.query<UserRow>(
        `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [user.id, user.email, user.name, user.passwordHash],
      );
      return rows[0]!;
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
