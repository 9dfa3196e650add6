import { describe, expect, it } from '@jest/globals';
import {
  correlationIdFrom,
  currentCorrelationId,
  deadlineFrom,
  runWithCorrelationId,
  traceIdFrom,
  traceparentFor,
} from './context.js';

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

describe('trace context', () => {
  it('continues a valid incoming trace and starts a new one otherwise', () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(traceIdFrom(`00-${trace}-00f067aa0ba902b7-01`)).toBe(trace);
    for (const bad of [
      undefined,
      'garbage',
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${trace}-${'0'.repeat(16)}-01`,
    ]) {
      const id = traceIdFrom(bad);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).not.toBe(trace);
    }
  });

  it('gives each outbound call a new span in the same trace', () => {
    const a = traceparentFor('4bf92f3577b34da6a3ce929d0e0e4736');
    const b = traceparentFor('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(a).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(a).not.toBe(b);
  });
});

describe('deadlineFrom', () => {
  it('turns the remaining budget into an absolute deadline, capped', () => {
    expect(deadlineFrom('250', 1_000)).toBe(1_250);
    expect(deadlineFrom('0', 1_000)).toBe(1_000);
    expect(deadlineFrom('999999999', 0, 60_000)).toBe(60_000);
  });

  it('ignores a missing or malformed header', () => {
    for (const bad of [undefined, '', 'soon', '1e3', '12.5', '9'.repeat(20)])
      expect(deadlineFrom(bad, 1_000)).toBeUndefined();
  });
});
