import { describe, expect, it } from '@jest/globals';
import { loadWorkersConfig, WORKER_ROLES } from './config.js';

describe('workers config', () => {
  it('requires a known WORKER_ROLE and names the roles', () => {
    const env = { DATABASE_URL: 'postgres://h/db', RABBITMQ_URL: 'amqp://h' };
    const roles = `WORKER_ROLE: must be one of: ${WORKER_ROLES.join(', ')}`;
    expect(WORKER_ROLES).toContain('shipping');
    expect(() => loadWorkersConfig(env)).toThrow(roles);
    expect(() => loadWorkersConfig({ ...env, WORKER_ROLE: 'billing' })).toThrow(roles);
    expect(loadWorkersConfig({ ...env, WORKER_ROLE: 'shipping' }).PORT).toBe(3006);
  });
});
