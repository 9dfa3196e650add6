import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@refarch/config';
import { loadUserServiceConfig } from './config.js';

describe('user-service config', () => {
  it('lists every bad variable at once, including an unusable signing key', () => {
    let error: ConfigError | undefined;
    try {
      loadUserServiceConfig({ JWT_PRIVATE_KEY: 'not a key', JWT_TTL_SECONDS: '3600', JWT_PREVIOUS_PUBLIC_JWKS: '{' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'JWT_PREVIOUS_PUBLIC_JWKS',
      'JWT_PRIVATE_KEY',
      'JWT_TTL_SECONDS',
      'RABBITMQ_URL',
    ]);
  });
});
