// Records the run's totals for tools/test.mjs, which prints them as the very last line of `npm test`
// ("N passed, N failed"; CI reads that line). Jest writes its own summary to stderr, which would interleave.
import { mkdirSync, writeFileSync } from 'node:fs';

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite that fails to load has no failing test of its own: count it, or a broken file would read as green.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    mkdirSync('.tmp', { recursive: true });
    writeFileSync(
      '.tmp/test-summary.txt',
      `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
