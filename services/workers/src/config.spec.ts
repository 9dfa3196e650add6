import { describe, expect, it } from '@jest/globals';
import { loadWorkersConfig } from './config.js';

describe('workers config', () => {
  it('requires a known WORKER_ROLE and names the roles', () => {
    const env = { DATABASE_URL: 'postgres://h/db', RABBITMQ_URL: 'amqp://h' };
    expect(() => loadWorkersConfig(env)).toThrow(/WORKER_ROLE: must be one of: shipping/);
    expect(() => loadWorkersConfig({ ...env, WORKER_ROLE: 'billing' })).toThrow(
      /WORKER_ROLE: must be one of: shipping/,
    );
    expect(loadWorkersConfig({ ...env, WORKER_ROLE: 'shipping' }).PORT).toBe(3006);
  });
});
