import { AppError } from '@refarch/errors';

export class InvalidTokenError extends AppError {
  constructor() {
    super('AUTH.INVALID_TOKEN', 401, 'Unauthorized', {
      detail: 'The access token is missing, invalid or expired',
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
}

export class KeysUnavailableError extends AppError {
  constructor() {
    super('AUTH.KEYS_UNAVAILABLE', 503, 'Service Unavailable', {
      detail: 'Access tokens cannot be verified right now; try again shortly',
      headers: { 'retry-after': '5' },
    });
  }
}
