import { ConflictError, NotFoundError, UnauthorizedError } from '@refarch/errors';

export class EmailTakenError extends ConflictError {
  constructor() {
    super('USERS.EMAIL_TAKEN', 'An account with this email already exists');
  }
}

/** Deliberately the same for an unknown email and a wrong password. */
export class InvalidCredentialsError extends UnauthorizedError {
  constructor() {
    super('AUTH.INVALID_CREDENTIALS', 'Email or password is incorrect');
  }
}

export class UserNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('USERS.NOT_FOUND', `User ${id} does not exist`);
  }
}
