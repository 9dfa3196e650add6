// What the packages' `npm run bench` scripts share: per-call timing of an async function and the side-by-side run
// of a baseline and the same work wrapped, in interleaved rounds (both sides see the same machine state), printed as
// median and p99 per call with the overhead and the ratio. Benchmarks print figures; no test asserts a timing.

export const quantile = (sorted: Float64Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export function stats(samples: ArrayLike<number>): { median: number; p99: number } {
  const sorted = Float64Array.from(samples).sort();
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

export const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;

/** Nanoseconds per call of `fn`, awaited one after the other. */
export async function measure(fn: () => unknown, calls: number): Promise<Float64Array> {
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - t);
  }
  return samples;
}

/** `baseline` and `wrapped`, `calls` each after a warm-up, in alternating rounds; prints the comparison. */
export async function rounds(
  label: string,
  baseline: () => unknown,
  wrapped: () => unknown,
  calls: number,
  { rounds: count = 5, names = ['baseline', 'wrapped'] as [string, string] } = {},
) {
  const a: number[] = [];
  const b: number[] = [];
  await measure(baseline, Math.min(calls, 10_000));
  await measure(wrapped, Math.min(calls, 10_000));
  for (let r = 0; r < count; r++) {
    a.push(...(await measure(baseline, calls / count)));
    b.push(...(await measure(wrapped, calls / count)));
  }
  const sa = stats(a);
  const sb = stats(b);
  const width = Math.max(names[0].length, names[1].length, 'overhead'.length);
  const line = (name: string, s: { median: number; p99: number }) =>
    `  ${name.padEnd(width)}  median ${us(s.median).padStart(10)}   p99 ${us(s.p99).padStart(10)}`;
  process.stdout.write(`\n${label} (${calls.toLocaleString()} calls each)\n`);
  process.stdout.write(`${line(names[0], sa)}\n${line(names[1], sb)}\n`);
  process.stdout.write(
    `  ${'overhead'.padEnd(width)}  median ${us(sb.median - sa.median).padStart(10)}   ratio ${(sb.median / sa.median).toFixed(2)}×\n`,
  );
  return { baseline: sa, wrapped: sb };
}
