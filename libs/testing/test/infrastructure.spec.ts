import { afterEach, describe, expect, it, jest } from '@jest/globals';
import net from 'node:net';

// Each test loads a fresh copy of the module: the resolver caches per process.
async function freshResolver() {
  jest.resetModules();
  return import('../src/infrastructure.js');
}

describe('resolveInfra (docs/architecture.md §8 order)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('prefers the explicit TEST_*_URL variable over the loopback service', async () => {
    process.env['TEST_REDIS_URL'] = 'redis://elsewhere.example:6390';
    const { resolveInfra } = await freshResolver();
    await expect(resolveInfra('redis')).resolves.toEqual({ url: 'redis://elsewhere.example:6390', source: 'env' });
  });

  it('skips with one line naming what was tried when nothing is available', async () => {
    delete process.env['TEST_MONGO_URL'];
    // No container engine here, or a deliberately unreachable one: testcontainers must fail, not hang.
    process.env['DOCKER_HOST'] = 'tcp://127.0.0.1:1';
    const { requireInfra } = await freshResolver();
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await expect(requireInfra('demo suite', 'mongodb')).resolves.toBeUndefined();
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^SKIP demo suite: no MongoDB \(TEST_MONGO_URL unset, testcontainers: .+\)\n$/);
  });

  it('uses the loopback service when it answers the protocol, not just the port', async () => {
    delete process.env['TEST_POSTGRES_URL'];
    process.env['DOCKER_HOST'] = 'tcp://127.0.0.1:1';
    const { resolveInfra } = await freshResolver();
    const resolved = await resolveInfra('postgres');
    // On a machine with PostgreSQL on 5432 it is found there; elsewhere the reason is reported instead.
    const listening = await new Promise<boolean>((resolve) => {
      const s = net.connect(5432, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (listening) expect(resolved).toEqual({ url: 'postgres://postgres@127.0.0.1:5432/postgres', source: 'loopback' });
    else expect(typeof resolved).toBe('string');
  });
});
