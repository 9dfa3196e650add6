import { describe, expect, it } from '@jest/globals';
import { correlationIdFrom, currentCorrelationId, runWithCorrelationId } from './correlation.js';

describe('correlation ids', () => {
  it('reuses a safe incoming id', () => {
    expect(correlationIdFrom('req-123_abc:1')).toBe('req-123_abc:1');
  });

  it('replaces an unsafe or oversized id with a fresh UUID', () => {
    for (const bad of ['a b', 'x\n{"level":"fatal"}', 'é', 'a'.repeat(129), '']) {
      const id = correlationIdFrom(bad);
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(correlationIdFrom(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps the id across awaits inside the context and nowhere else', async () => {
    expect(currentCorrelationId()).toBeUndefined();
    await runWithCorrelationId('c-1', async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentCorrelationId()).toBe('c-1');
    });
    expect(currentCorrelationId()).toBeUndefined();
  });
});
