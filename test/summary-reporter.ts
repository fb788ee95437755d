/**
 * Prints one plain closing line, `tests: N passed, N failed[, N skipped]`, that any CI can read, whatever it
 * knows of vitest's own summary.
 */
import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest';

function countTests(tasks: readonly RunnerTask[], counts = { passed: 0, failed: 0, skipped: 0 }) {
  for (const task of tasks) {
    if (task.type === 'suite') countTests(task.tasks, counts);
    else if (task.mode === 'skip' || task.mode === 'todo') counts.skipped++;
    else if (task.result?.state === 'pass') counts.passed++;
    else if (task.result?.state === 'fail') counts.failed++;
  }
  return counts;
}

export default class SummaryReporter implements Reporter {
  onFinished(files: readonly RunnerTestFile[] = [], errors: readonly unknown[] = []): void {
    const { passed, failed, skipped } = countTests(files);
    const failures = failed + errors.length;
    process.stdout.write(`\ntests: ${passed} passed, ${failures} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}
