import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { createEnvelope } from '@refarch/contracts';
import { currentCorrelationId } from '@refarch/observability';
import { AccessTokens, type IssuedToken, type Role } from '../auth/access-tokens.js';
import { PasswordHasher } from '../auth/passwords.js';
import type { UserServiceConfig } from '../config.js';
import { USER_CONFIG } from '../tokens.js';
import { InvalidCredentialsError, UserNotFoundError } from './user.errors.js';
import type { UserView } from './users.dto.js';
import { UsersRepository, type UserRow } from './users.repository.js';

@Injectable()
export class UsersService {
  private readonly admins: ReadonlySet<string>;

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly tokens: AccessTokens,
    @Inject(USER_CONFIG) config: UserServiceConfig,
  ) {
    this.admins = new Set(config.ADMIN_EMAILS.map((e) => e.trim().normalize('NFC').toLowerCase()));
  }

  async register(input: { email: string; password: string; name: string }): Promise<UserView> {
    const passwordHash = await this.passwords.hash(input.password);
    const id = randomUUID();
    const registered = createEnvelope(
      'users.user-registered.v1',
      { userId: id, email: input.email, name: input.name },
      { correlationId: currentCorrelationId() ?? id },
    );
    const row = await this.users.insert({ id, email: input.email, name: input.name, passwordHash }, [registered]);
    return this.view(row);
  }

  async login(input: { email: string; password: string }): Promise<IssuedToken> {
    const row = await this.users.findByEmail(input.email);
    if (!(await this.passwords.verify(row?.passwordHash, input.password)) || !row) throw new InvalidCredentialsError();
    return this.tokens.issue({ userId: row.id, role: this.roleOf(row.email) });
  }

  async profile(id: string): Promise<UserView> {
    const row = await this.users.findById(id);
    if (!row) throw new UserNotFoundError(id);
    return this.view(row);
  }

  async rename(id: string, name: string): Promise<UserView> {
    const row = await this.users.updateName(id, name);
    if (!row) throw new UserNotFoundError(id);
    return this.view(row);
  }

  /** Roles come from configuration (ADMIN_EMAILS), so granting or revoking admin is a deploy, not a data change. */
  private roleOf(email: string): Role {
    return this.admins.has(email) ? 'admin' : 'user';
  }

  private view(row: UserRow): UserView {
    return {
      id: row.id,
      email: row.email,
      name: row.name,
      role: this.roleOf(row.email),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}
