import { describe, expect, it } from '@jest/globals';
import { defaultStreamCap } from './stream-slots.js';

describe('defaultStreamCap', () => {
  const MiB = 1024 * 1024;
  it('gives streams a quarter of the memory limit at 64 KiB each', () => {
    expect(defaultStreamCap(256 * MiB)).toBe(1024);
    expect(defaultStreamCap(512 * MiB)).toBe(2048);
  });
  it('stays between 100 and 20 000', () => {
    expect(defaultStreamCap(8 * MiB)).toBe(100);
    expect(defaultStreamCap(64 * 1024 * MiB)).toBe(20_000);
  });
});
