/**
 * Prints one plain closing line, `tests: N passed, N failed[, N skipped]`, that any CI can read, whatever it
 * knows of vitest's own summary. Before it, one line per e2e project, so the summary names the Claude Code
 * binary each end of the range ran against and which end broke.
 */
import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest';

type Counts = { passed: number; failed: number; skipped: number };

function countTests(tasks: readonly RunnerTask[], counts: Counts = { passed: 0, failed: 0, skipped: 0 }): Counts {
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
    const byProject = new Map<string, RunnerTestFile[]>();
    for (const file of files) byProject.set(file.projectName ?? '', [...(byProject.get(file.projectName ?? '') ?? []), file]);
    for (const [project, projectFiles] of [...byProject].sort(([a], [b]) => a.localeCompare(b))) {
      if (!project.startsWith('e2e')) continue;
      const counts = countTests(projectFiles);
      process.stdout.write(`\n${project}: ${counts.passed} of ${counts.passed + counts.failed} e2e tests passed${counts.failed > 0 ? ` (${counts.failed} FAILED on this binary)` : ''}`);
    }
    const { passed, failed, skipped } = countTests(files);
    const failures = failed + errors.length;
    process.stdout.write(`\ntests: ${passed} passed, ${failures} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}
