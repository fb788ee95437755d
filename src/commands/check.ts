/**
 * `cwt check [--staged] [--strict] [--json]`: the commit check by hand (the pre-commit hook runs the same
 * check on what is being committed). Without --staged it checks every change in the worktree, so an agent
 * can ask before it stages. `--accept` records the branch tip as seen by this checkout's session, after
 * the user or agent has looked at commits the check reported.
 */
import { findCheckoutSession, runCommitCheck } from '../core/git/commitcheck.js';
import { loadConfig } from '../core/config/load.js';
import { UsageError } from '../core/util/errors.js';
import { getCurrentBranch, resolveCommit, resolveRepo } from '../core/git/git.js';
import { openStore } from '../core/store/open.js';
import { formatCheckReport, toCheckJson } from '../ui/checkreport.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export interface CheckOptions {
  staged?: boolean;
  strict?: boolean;
  accept?: boolean;
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

export async function checkChanges(options: CheckOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const repo = await resolveRepo(cwd, env);
  const config = loadConfig({ repoRoot: repo.mainWorktree, env });
  const store = await openStore(env);
  try {
    if (options.accept) {
      const session = await findCheckoutSession(store, repo.topLevel, env);
      if (!session) throw new UsageError(MESSAGES.checkAcceptNoSession(repo.topLevel), { hint: MESSAGES.checkAcceptNoSessionHint });
      const [branch, head] = await Promise.all([getCurrentBranch(repo.topLevel), resolveCommit('HEAD', repo.topLevel)]);
      if (branch !== session.branch || head === undefined) {
        throw new UsageError(MESSAGES.checkAcceptOtherBranch(branch, session.branch), { hint: MESSAGES.checkAcceptOtherBranchHint(session.branch) });
      }
      await store.updateSession(session.id, { knownTip: head }, { kind: 'check.accept', session: session.id, repo: repo.commonDir, data: { branch, tip: head, previous: session.knownTip ?? null } });
      if (options.json) printJson(output, { session: session.id, branch, knownTip: head });
      else output.stdout(MESSAGES.checkAccepted(branch, head));
      return 0;
    }
    const staged = options.staged === true;
    const report = await runCommitCheck({ store, repo, env, config, staged, strict: options.strict === true || config.strictCheck });
    if (options.json) {
      printJson(output, toCheckJson(report));
    } else {
      const lines = formatCheckReport(report);
      if (lines.length > 0) output.stderr(lines.join('\n'));
      else output.stdout(report.paths.length === 0 && staged ? MESSAGES.checkNoPaths : MESSAGES.checkClean(report.paths.length));
    }
    return report.blocked ? 1 : 0;
  } finally {
    await store.close();
  }
}
