/**
 * The argument table: each command's options, positionals and help, mapped to a lazy import of its module.
 * Parsing lives here and only here (node:util parseArgs, strict); commands receive typed option objects.
 * `--` ends cwt's own arguments: what follows goes to the agent untouched.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CwtError, ExitCode, InternalError, UsageError } from './core/errors.js';
import { isDebugEnabled } from './core/debug.js';
import { MESSAGES } from './ui/messages.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

export interface ParsedCommand {
  command: string;
  values: Values;
  positionals: string[];
  /** Arguments after `--`, for the agent. */
  rest: string[];
}

interface CommandSpec {
  usage: string;
  summary: string;
  /** Teaching text: what it does, then examples. */
  help: string;
  options: OptionSpec;
  positionals: { min: number; max: number };
  /** Accepts `-- <args>` for the agent. */
  passthrough?: boolean;
  run: (parsed: ParsedCommand) => Promise<number>;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const bool = (value: unknown): boolean => value === true;

export const COMMANDS: Record<string, CommandSpec> = {
  new: {
    usage: 'cwt new <branch> [--from <ref>] [--path <dir>] [--agent <cmd>] [--no-launch] [--json] [-- <agent args>]',
    summary: 'start a session in a worktree of its own, with its own memory, and launch the agent',
    help: `Creates a worktree for <branch> (a new branch from --from, default HEAD, or an existing one) beside the
repository (../<repo>.worktrees/<branch>), registers the session, gives it its own Claude Code memory
directory seeded from the repository's memory, leases the resources the config declares (leases: a port, a
compose project name…; exported to the agent and written to .cwt.env in the worktree), writes
CLAUDE.local.md, and launches the agent with that memory wired in. cwt stays as the supervisor until the agent
exits. Ctrl-C before the agent starts undoes everything.

--agent runs another agent: codex (notes in AGENTS.md, or AGENTS.override.md when AGENTS.md is tracked),
gemini (GEMINI.md), aider (--read <notes>), or any command (AGENTS.md). Worktree, locks, leases, status and the
git checks work for all; the memory directory and the hooks are wired for claude only.

Examples:
  cwt new feat/login                       # new branch from HEAD, launch claude
  cwt new fix/123 --from origin/main       # start from another ref
  cwt new feat/x --no-launch               # create everything, print the worktree path
  cwt new feat/x -- -p "run the tests"     # arguments after -- go to the agent
  cwt new feat/y --agent codex             # Codex in its own worktree, with the session's leases`,
    options: {
      from: { type: 'string' },
      path: { type: 'string' },
      agent: { type: 'string' },
      'no-launch': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    positionals: { min: 1, max: 1 },
    passthrough: true,
    run: async ({ values, positionals, rest }) => {
      const { newSession } = await import('./commands/new.js');
      return newSession({
        branch: positionals[0]!,
        from: str(values.from),
        path: str(values.path),
        agent: str(values.agent),
        launch: !bool(values['no-launch']),
        json: bool(values.json),
        agentArgs: rest,
      });
    },
  },
  attach: {
    usage: 'cwt attach <branch|id> [--force] [-- <agent args>]',
    summary: "relaunch the agent in a session's worktree and supervise it again",
    help: `Resumes a session that is not ended: starts its agent again in its worktree, with its memory wiring.
Refuses while another cwt process still supervises it, unless --force.

Examples:
  cwt attach feat/login
  cwt attach 3f9c2a1b -- --continue`,
    options: { force: { type: 'boolean' } },
    positionals: { min: 1, max: 1 },
    passthrough: true,
    run: async ({ values, positionals, rest }) => {
      const { attachSession } = await import('./commands/attach.js');
      return attachSession({ ref: positionals[0], force: bool(values.force), agentArgs: rest });
    },
  },
  status: {
    usage: 'cwt status [--all] [--json] [--markdown]',
    summary: 'list the sessions of this repository (alias: ls)',
    help: `Lists this repository's sessions (every repository's outside one): id, branch, state (live, stale,
ended), agent, age, last heartbeat, memory, leased values (when any), worktree. A session is live while its supervisor runs on this machine or
its heartbeat is younger than the session TTL (default 2m).

Examples:
  cwt status
  cwt status --all --json | jq '.[] | select(.state == "live") | .branch'
  cwt status --markdown > sessions.md`,
    options: { all: { type: 'boolean' }, json: { type: 'boolean' }, markdown: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      const { showStatus } = await import('./commands/status.js');
      return showStatus({ all: bool(values.all), json: bool(values.json), markdown: bool(values.markdown) });
    },
  },
  end: {
    usage: 'cwt end [<branch|id>] [--remove] [--delete-branch] [--force] [--no-merge] [--json]',
    summary: 'end a session: merge its memory, release its holdings, unlock (or remove) its worktree',
    help: `Ends the session of the current worktree, or the one named. First its memory is merged into the
repository's memory (as cwt merge-memory does); a conflict stops here, before anything is released or
removed, and says what to do (exit 1). --no-merge skips the merge. Then its locks are released and its
worktree unlocked; the worktree and the memory namespace are kept. --remove also removes the worktree, and
--delete-branch the branch, but only when nothing would be lost: uncommitted changes, or commits that no
other branch or upstream contains, make it refuse and list them. --force overrides that.

Examples:
  cwt end                                  # inside the session's worktree
  cwt end feat/login --remove --delete-branch
  cwt end feat/spike --no-merge            # keep its memory out of the repository's`,
    options: {
      remove: { type: 'boolean' },
      'delete-branch': { type: 'boolean' },
      force: { type: 'boolean' },
      'no-merge': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    positionals: { min: 0, max: 1 },
    run: async ({ values, positionals }) => {
      const { endSession } = await import('./commands/end.js');
      return endSession({
        ref: positionals[0],
        remove: bool(values.remove),
        deleteBranch: bool(values['delete-branch']),
        force: bool(values.force),
        json: bool(values.json),
        merge: !bool(values['no-merge']),
      });
    },
  },
  'merge-memory': {
    usage: 'cwt merge-memory [<branch|id>] [--dry-run] [--json] [--undo [--force]]',
    summary: "merge a session's memory back into the repository's memory (3-way, loud on conflicts)",
    help: `Merges what a session wrote in its own memory directory back into the repository's canonical memory
(<claude home>/projects/<key>/memory/), file by file, against the copy the session started from: what only
one side changed is taken (additions, edits and deletions alike; a rename is a delete plus an add), two
insertions at the same place are both kept, and MEMORY.md (config: memoryIndexFiles) is merged as a union of
lines. Both sides changing the same lines is a conflict: canonical's copy of that file stays as it is,
<name>.conflict.md with conflict markers is written beside the session's copy, both sides are printed, and
the command exits 1; every other file is merged. Resolve by editing the .conflict.md file to the text you
want (remove the <<<<<<< ||||||| ======= >>>>>>> lines), or by fixing the session's copy and deleting the
.conflict.md, then run the command again. On a terminal it asks instead: keep canonical, take the session's,
keep both, or edit in $EDITOR.

Merges hold a lock (two at once queue), back canonical up before the first write and are journaled: a merge
killed halfway is finished by the next run. --undo restores the backup of the last merge byte for byte; it
refuses if canonical changed since, unless --force. After a merge the session can go on and merge again.
cwt end runs this merge first.

Examples:
  cwt merge-memory                         # inside the session's worktree
  cwt merge-memory feat/login --dry-run    # the plan; exit 1 if it would conflict
  cwt merge-memory 3f9c2a1b --json         # {merged, added, deleted, unchanged, conflicts:[{file, reason}]}
  cwt merge-memory --undo                  # canonical memory back as it was before the last merge`,
    options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, undo: { type: 'boolean' }, force: { type: 'boolean' } },
    positionals: { min: 0, max: 1 },
    run: async ({ values, positionals }) => {
      const { mergeMemory } = await import('./commands/merge-memory.js');
      return mergeMemory({
        ref: positionals[0],
        dryRun: bool(values['dry-run']),
        json: bool(values.json),
        undo: bool(values.undo),
        force: bool(values.force),
      });
    },
  },
  memory: {
    usage: 'cwt memory rescue [--dry-run] [--json]',
    summary: 'find memory left behind by worktrees and ended sessions, and merge it into the repository’s',
    help: `Looks under the Claude home's projects/ for memory directories that belong to this repository but not to
its canonical memory: those of its worktrees (present or removed: the registry, git worktree list,
<main>/.claude/worktrees/<name> as claude -w makes them, and the configured worktreeDir) and the namespaces of
ended sessions that were never merged (or whose session record is gone). Each is merged into canonical memory
like cwt merge-memory does, with its base when cwt has one; without one, everything in it is an addition, and
a file canonical has with other content is a conflict (index files are unioned). A directory rescued once is
merged against what was rescued, so running it again adds nothing twice. Reports what it found; exit 1 on
conflicts, resolved as for merge-memory.

Examples:
  cwt memory rescue --dry-run
  cwt memory rescue --json`,
    options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 1, max: 1 },
    run: async ({ values, positionals }) => {
      if (positionals[0] !== 'rescue') {
        throw new UsageError(MESSAGES.badArguments('memory', `unknown subcommand '${positionals[0]}'`), { hint: 'cwt memory rescue [--dry-run] [--json]' });
      }
      const { rescueMemory } = await import('./commands/memory.js');
      return rescueMemory({ dryRun: bool(values['dry-run']), json: bool(values.json) });
    },
  },
  gc: {
    usage: 'cwt gc [--dry-run] [--json]',
    summary: 'mark dead sessions stale, release their locks and leases, forget vanished worktrees',
    help: `Finds sessions whose supervisor died and whose heartbeat expired, marks them stale and releases their
locks, claims and leases (ports, names); drops the records of sessions whose worktree directory is gone;
releases stale locks and leases no open session holds. It never deletes
a worktree or a memory namespace. --dry-run reports without changing anything.

Examples:
  cwt gc --dry-run
  cwt gc`,
    options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      const { collectGarbage } = await import('./commands/gc.js');
      return collectGarbage({ dryRun: bool(values['dry-run']), json: bool(values.json) });
    },
  },
  lock: {
    usage: 'cwt lock <name> [--ttl 5m] [--wait 0s] [--note <text>] [--sentinel <file>] -- <cmd…> | cwt lock ls [--json] | cwt lock release <name> [--force]',
    summary: 'run a command under a named lock; list and release locks',
    help: `Runs <cmd> holding the lock <name>, so two sessions never run the same operation at once (a deploy fix,
a container rebuild, a batch job). While it runs the lock is heartbeated; the command sees CWT_LOCK_NAME and
CWT_LOCK_TOKEN (a fencing token that grows with every new holder). cwt exits with the command's code.
Busy past --wait: exit 3, naming who holds it, since when, and its note. A holder whose process died, or
whose heartbeat is older than its --ttl, is taken over with a loud warning; a holder that finds its lock was
taken over says so when its command ends. --sentinel writes an ACTIVE-SESSION.md-style file while held
(removed on success, kept on failure) and honours one written by hand: younger than 15 minutes is busy.
"ls" and "release" are subcommands, not lock names.

Examples:
  cwt lock deploy --wait 2m --note "fixing the failed deploy" -- ./scripts/deploy.sh
  cwt lock docker-rebuild --sentinel ACTIVE-SESSION.md -- docker compose up --build -d
  cwt lock ls
  cwt lock release deploy --force`,
    options: {
      ttl: { type: 'string' },
      wait: { type: 'string' },
      note: { type: 'string' },
      sentinel: { type: 'string' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
    },
    positionals: { min: 1, max: 2 },
    passthrough: true,
    run: async ({ values, positionals, rest }) => {
      const lock = await import('./commands/lock.js');
      const [first, second] = positionals;
      if (first === 'ls' && second === undefined) return lock.listLocks({ json: bool(values.json) });
      if (first === 'release' && second !== undefined) return lock.releaseNamedLock({ name: second, force: bool(values.force) });
      if (second !== undefined) {
        throw new UsageError(MESSAGES.badArguments('lock', `unexpected argument '${second}'`), { hint: MESSAGES.lockNeedsCommandHint });
      }
      return lock.runLocked({
        name: first!,
        command: rest,
        ttl: str(values.ttl),
        wait: str(values.wait),
        note: str(values.note),
        sentinel: str(values.sentinel),
      });
    },
  },
  write: {
    usage: 'cwt write <path> [--expect-sha <sha256>] [--json]',
    summary: 'replace a shared file with stdin, locked and atomic',
    help: `Reads the new content from stdin and replaces <path> under the lock file:<realpath>: a temporary file in
the same directory, fsync, rename, fsync of the directory, so a crash leaves the old or the new content and
never half of it. Other writers wait their turn. The file's mode is kept; a symlink's target is written. With
--expect-sha, refuses (exit 1) if the file changed since you read it, and prints its current sha. Prints the
new sha256.

Examples:
  sha=$(cwt sha ~/.claude/settings.json)
  jq '.model = "opus"' ~/.claude/settings.json | cwt write ~/.claude/settings.json --expect-sha "$sha"`,
    options: { 'expect-sha': { type: 'string' }, json: { type: 'boolean' } },
    positionals: { min: 1, max: 1 },
    run: async ({ values, positionals }) => {
      const { writeFile } = await import('./commands/write.js');
      return writeFile({ path: positionals[0]!, expectSha: str(values['expect-sha']), json: bool(values.json) });
    },
  },
  append: {
    usage: 'cwt append <path> <line> [--unique] [--json] [--quiet]',
    summary: 'append a line to a shared file without losing anyone else’s',
    help: `Appends <line> to <path> as a locked read-modify-write with an atomic replace, so concurrent appenders
never lose each other's lines. --unique makes it a no-op when an identical line is already there
(idempotent registration in a catalogue). A missing file is created.

Examples:
  cwt append ~/.claude/skills/_index.md "- [deploy](deploy/SKILL.md)" --unique`,
    options: { unique: { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
    positionals: { min: 2, max: 2 },
    run: async ({ values, positionals }) => {
      const { appendToFile } = await import('./commands/append.js');
      return appendToFile({ path: positionals[0]!, line: positionals[1]!, unique: bool(values.unique), json: bool(values.json), quiet: bool(values.quiet) });
    },
  },
  sha: {
    usage: 'cwt sha <path>',
    summary: 'print the sha256 that cwt write --expect-sha compares',
    help: `Prints the sha256 of the file's bytes (of nothing, when it does not exist yet), for a later
compare-and-swap write.

Examples:
  cwt sha ~/.claude/skills/_index.md`,
    options: {},
    positionals: { min: 1, max: 1 },
    run: async ({ positionals }) => {
      const { printSha } = await import('./commands/sha.js');
      return printSha({ path: positionals[0]! });
    },
  },
  claim: {
    usage: 'cwt claim <path…> [--force] [--json]',
    summary: 'mark files as being edited by this session, so other agents are stopped first',
    help: `Claims files for the current session (the worktree you are in, $CWT_SESSION, or the Claude Code tab
running the command), as the hooks do on every edit. Another agent's edit of a claimed file in the same
checkout is then denied (deny-once: its retry goes through); agents in other worktrees are warned of a
merge conflict. A path another live session claims: exit 3 naming it, nothing claimed; --force takes it.

Examples:
  cwt claim src/db/schema.ts src/db/migrate.ts
  cwt claim docs/ARCHITECTURE.md --force`,
    options: { force: { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 1, max: Infinity },
    run: async ({ values, positionals }) => {
      const { claimFiles } = await import('./commands/claim.js');
      return claimFiles({ paths: positionals, force: bool(values.force), json: bool(values.json) });
    },
  },
  release: {
    usage: 'cwt release [<path…>] [--json]',
    summary: "drop this session's claims: the files named, or all of them",
    help: `Releases claims of the current session, so other sessions may edit those files without being stopped.
The hooks release a Claude Code session's claims when it ends, and cwt end releases all of a session's.

Examples:
  cwt release src/db/schema.ts
  cwt release`,
    options: { json: { type: 'boolean' } },
    positionals: { min: 0, max: Infinity },
    run: async ({ values, positionals }) => {
      const { releaseFiles } = await import('./commands/release.js');
      return releaseFiles({ paths: positionals, json: bool(values.json) });
    },
  },
  who: {
    usage: 'cwt who <path> [--json]',
    summary: 'show which sessions claim a file, here and in other worktrees',
    help: `Lists the sessions that edited <path> recently, in this checkout and in the repository's other
worktrees (same path relative to the checkout), with their branch, state and when; and who is writing it
at this moment (a write lease or cwt write).

Examples:
  cwt who src/api/routes.ts
  cwt who ~/.claude/skills/_index.md --json`,
    options: { json: { type: 'boolean' } },
    positionals: { min: 1, max: 1 },
    run: async ({ values, positionals }) => {
      const { showWho } = await import('./commands/who.js');
      return showWho({ path: positionals[0]!, json: bool(values.json) });
    },
  },
  install: {
    usage: 'cwt install [--global] [--git-hooks] [--uninstall] [--json]',
    summary: "wire cwt's hooks into Claude Code settings (this repository, or --global), or into git (--git-hooks)",
    help: `Merges cwt's Claude Code hooks into .claude/settings.local.json of this repository's main checkout (kept
out of git through .git/info/exclude), or with --global into the Claude home's settings.json, so that plain
claude tabs are adopted as sessions: they see their siblings, and are stopped before overwriting a file
another session is editing or a shared harness file changed since they read it; and so that claude -w <name>
creates its worktree through cwt (WorktreeCreate/WorktreeRemove hooks). Other keys and other hooks
are kept, a second run changes nothing, and the file is written with a locked compare-and-swap.
--uninstall removes cwt's hooks and nothing else. Sessions started with cwt new get the hooks without this.

--git-hooks installs cwt's git hooks instead, in the hooks directory git uses here (core.hooksPath is
honoured): pre-commit runs the commit check (cwt check --staged), post-commit records the commit for its
session and releases its claims on the committed files, post-merge and post-rewrite note that the checkout
moved its own branch. Each is a small sh script running this cwt by absolute path. A hook already there
(husky, lefthook, your own script) is kept as <hook>.cwt-chained and runs first; its failure still fails the
commit. A hook file tracked by git is left alone, with the line to add to it. cwt new installs them once per
repository (config gitHooks: false turns that off). With --uninstall, exactly what was there comes back.

Examples:
  cwt install
  cwt install --global
  cwt install --uninstall
  cwt install --git-hooks
  cwt install --git-hooks --uninstall`,
    options: { global: { type: 'boolean' }, 'git-hooks': { type: 'boolean' }, uninstall: { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      if (bool(values.global) && bool(values['git-hooks'])) {
        throw new UsageError(MESSAGES.badArguments('install', '--global and --git-hooks do not go together: git hooks belong to a repository'), { hint: 'run cwt install --git-hooks inside the repository' });
      }
      const { installHooks } = await import('./commands/install.js');
      return installHooks({ global: bool(values.global), gitHooks: bool(values['git-hooks']), uninstall: bool(values.uninstall), json: bool(values.json) });
    },
  },
  check: {
    usage: 'cwt check [--staged] [--strict] [--json] | cwt check --accept',
    summary: 'check changes against sibling sessions before committing (what the pre-commit hook runs)',
    help: `Checks what you are about to commit, as the pre-commit hook does on every git commit:
  1. commits that landed on this branch after the tip this checkout's session last saw, made by someone
     else (another tab in this checkout, a terminal, a tool): blocks, listing each with author and time;
  2. files another live session in this same checkout is editing: blocks;
  3. files that sessions in other worktrees changed too (uncommitted there, or committed on their branch
     since the merge base): warns, with the merge conflict git merge-tree predicts, hunk by hunk.
     --strict (config strictCheck, CWT_STRICT_CHECK=1) blocks instead.
Without a cwt session in this checkout only 3 runs; with no sessions at all, nothing is said. --staged checks
the index (what git commit would take); without it, every change in the worktree. Exit 1 when blocked.
--accept records the current tip as seen, after you have looked at the commits 1 reported.
To commit past the hook: CWT_SKIP_CHECK=1 git commit … (logged as an event; so is git commit --no-verify).

Examples:
  cwt check                      # before staging: would my changes collide?
  cwt check --staged --strict
  cwt check --json | jq '.overlaps[].paths'
  cwt check --accept             # "I have seen those commits"`,
    options: { staged: { type: 'boolean' }, strict: { type: 'boolean' }, accept: { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      const { checkChanges } = await import('./commands/check.js');
      return checkChanges({ staged: bool(values.staged), strict: bool(values.strict), accept: bool(values.accept), json: bool(values.json) });
    },
  },
  doctor: {
    usage: 'cwt doctor [--json]',
    summary: 'check the environment and look for concurrent work cwt does not coordinate',
    help: `Read-only. Environment: git 2.38 or newer, the agent on PATH and its version, cwt's git hooks in this
repository, its Claude Code hooks for plain tabs, the state directory's modes, stale sessions and locks.
Concurrency: ACTIVE-SESSION.md sentinel files of running operations, commits on a session's branch that no
known session made, bursts of recent writes to the repository's memory or to skills, and claude processes in
this repository's worktrees that no session accounts for. Each finding that needs action (WARN) names the
command that fixes it; exit 1 when there is one, 0 when only ok and info remain.

Examples:
  cwt doctor
  cwt doctor --json | jq '.findings[] | select(.severity == "warn")'`,
    options: { json: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      const { runDoctor } = await import('./commands/doctor.js');
      return runDoctor({ json: bool(values.json) });
    },
  },
  'git-hook': {
    usage: 'cwt git-hook <pre-commit|post-commit|post-merge|post-rewrite>',
    summary: "git's hook handler; run by the shims cwt install --git-hooks writes, not by you",
    help: `What cwt's git hook shims run. pre-commit: the commit check on the index being committed (exit 1 blocks
the commit). post-commit: records the commit for the session that made it, releases that session's claims on
the committed files, and logs a commit whose pre-commit did not run (--no-verify) as a bypass. post-merge and
post-rewrite: the checkout moved its own branch, so its session has seen the new tip. Internal errors never
fail git: they are logged in hook-errors.log in cwt's state directory.

Example (what git does):
  cwt git-hook pre-commit`,
    options: {},
    positionals: { min: 1, max: Infinity },
    run: async ({ positionals }) => {
      const { isGitHookName } = await import('./core/githooks.js');
      const name = positionals[0];
      if (!isGitHookName(name)) throw new UsageError(MESSAGES.unknownGitHook(name!), { hint: MESSAGES.unknownGitHookHint });
      const { runGitHook } = await import('./hooks/githook.js');
      return runGitHook(name, { env: process.env, cwd: process.cwd(), write: (text) => void process.stderr.write(`${text}\n`), gitPid: process.ppid });
    },
  },
  hook: {
    usage: 'cwt hook <session-start|pre-tool-use|post-tool-use|session-end|worktree-create|worktree-remove>',
    summary: "Claude Code's hook handler (stdin JSON -> decision JSON); run by Claude Code, not by you",
    help: `What cwt install and cwt new register with Claude Code. Reads the hook input JSON on stdin and prints a
decision JSON (or nothing). It never fails a tool call by accident: malformed input or any internal error
means no decision, exit 0, and a line in hook-errors.log in cwt's state directory.
  session-start   link the Claude session to a cwt session (adopting a plain tab), list live siblings
  pre-tool-use    Edit/Write/MultiEdit/NotebookEdit: deny an edit of a file another session in this
                  checkout is editing (once), warn of merge conflicts with other worktrees, refuse a
                  stale or concurrent write to a shared harness file; Bash: refuse shell writes into one
  post-tool-use   remember what was read of harness files, release write leases
  session-end     release this Claude session's claims and leases
  worktree-create claude -w <name>: create the worktree as cwt new <name> --no-launch does (or resume the
                  session already on that branch) and print its path; a failure fails claude -w
  worktree-remove the session leaves its worktree choosing "remove": end the session (memory merged
                  first), remove the worktree only if nothing would be lost, else keep it (exit 1)

Example (what Claude Code does):
  echo '{"session_id":"…","cwd":"…","tool_name":"Write","tool_input":{"file_path":"…"}}' | cwt hook pre-tool-use
  echo '{"session_id":"…","cwd":"/src/app","name":"feat-y"}' | cwt hook worktree-create`,
    options: {},
    positionals: { min: 1, max: 1 },
    run: async ({ positionals }) => {
      const { isHookEvent } = await import('./hooks/input.js');
      const event = positionals[0];
      if (!isHookEvent(event)) throw new UsageError(MESSAGES.unknownHookEvent(event!), { hint: MESSAGES.unknownHookEventHint });
      if (event === 'worktree-create' || event === 'worktree-remove') {
        const { runWorktreeHook } = await import('./hooks/worktree.js');
        return runWorktreeHook(event);
      }
      const { runCommandHook } = await import('./hooks/command.js');
      const out = await runCommandHook(event);
      if (out !== '') process.stdout.write(`${out}\n`);
      return 0;
    },
  },
};

export const ALIASES: Record<string, string> = { ls: 'status' };

const GLOBAL_OPTIONS: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
};

export function renderMainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'cwt: run several Claude Code sessions on one repository without them eating each other’s work',
    '',
    'Usage: cwt [-C <dir>] <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`),
    '',
    'Global options: -C <dir> (run as if started in <dir>), --help, --debug (timed trace on stderr), --version',
    'Exit codes: 0 done, 1 conflict or failed check, 2 bad usage, 3 busy, 4 environment',
    'Run cwt <command> --help for a command’s options and examples.',
  ].join('\n');
}

export function renderCommandHelp(name: string): string {
  const spec = COMMANDS[name]!;
  return `Usage: ${spec.usage}\n\n${spec.summary}\n\n${spec.help}`;
}

export type CliAction =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'run'; parsed: ParsedCommand; debug: boolean };

/** Parses argv (without node and script) into an action. Pure: throws UsageError on bad input. */
export function parseCommandLine(argv: readonly string[]): CliAction {
  const [first, ...tail] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? tail[0] : undefined;
    if (topic !== undefined) {
      const name = ALIASES[topic] ?? topic;
      if (!COMMANDS[name]) throw new UsageError(MESSAGES.unknownCommand(topic), { hint: MESSAGES.unknownCommandHint });
      return { kind: 'help', text: renderCommandHelp(name) };
    }
    return { kind: 'help', text: renderMainHelp() };
  }
  if (first === '--version' || first === '-v') return { kind: 'version' };
  const command = ALIASES[first] ?? first;
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(MESSAGES.unknownCommand(first), { hint: MESSAGES.unknownCommandHint });
  const separator = tail.indexOf('--');
  const own = separator === -1 ? tail : tail.slice(0, separator);
  const afterSeparator = separator === -1 ? [] : tail.slice(separator + 1);
  // For agent-launching commands `--` hands the rest to the agent; elsewhere it only ends the options.
  const rest = spec.passthrough ? afterSeparator : [];
  // "- item" (dash, whitespace) can never be an option: take it literally, as a markdown list line.
  const literals: string[] = [];
  const masked = own.map((arg) => (/^-\s/.test(arg) ? `\0literal${literals.push(arg) - 1}` : arg));
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: masked, options: { ...GLOBAL_OPTIONS, ...spec.options }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(MESSAGES.badArguments(command, (error as Error).message.split('\n')[0]!), { hint: MESSAGES.badArgumentsHint(command) });
  }
  parsed.positionals = parsed.positionals.map((arg) => (arg.startsWith('\0literal') ? literals[Number(arg.slice(8))]! : arg));
  if (!spec.passthrough) parsed.positionals.push(...afterSeparator);
  if (parsed.values.help) return { kind: 'help', text: renderCommandHelp(command) };
  const count = parsed.positionals.length;
  if (count < spec.positionals.min || count > spec.positionals.max) {
    const detail = count < spec.positionals.min ? 'missing argument' : `unexpected argument '${parsed.positionals[spec.positionals.max]}'`;
    throw new UsageError(MESSAGES.badArguments(command, `${detail}; usage: ${spec.usage}`), { hint: MESSAGES.badArgumentsHint(command) });
  }
  return { kind: 'run', parsed: { command, values: parsed.values, positionals: parsed.positionals, rest }, debug: parsed.values.debug === true };
}

/** The one top-level catch: maps errors to exit codes and prints what happened and what to do next. */
export function reportError(error: unknown, write: (text: string) => void = (t) => void process.stderr.write(t)): number {
  if (error instanceof Error && error.name === 'ExitPromptError') return ExitCode.cancelled; // prompt cancelled: quiet
  const known = error instanceof CwtError ? error : new InternalError(error instanceof Error ? error.message : String(error), { cause: error });
  write(`cwt: ${known.message}\n`);
  if (known.hint) write(`  next: ${known.hint}\n`);
  if (known instanceof InternalError) {
    write('  this is a bug in cwt; run again with CWT_DEBUG=1 for a trace and report it\n');
    if (isDebugEnabled() && error instanceof Error && error.stack) write(`${error.stack}\n`);
  }
  return known.exitCode;
}

/** Splits a leading `-C <dir>` (as git has it: run as if started in <dir>) from the rest of argv. Pure. */
export function splitDirectoryOption(argv: readonly string[]): { directory: string | undefined; rest: readonly string[] } {
  if (argv[0] !== '-C') return { directory: undefined, rest: argv };
  if (argv[1] === undefined || argv[1] === '') {
    throw new UsageError(MESSAGES.badArguments('-C', 'needs a directory'), { hint: 'cwt -C <dir> <command> …' });
  }
  return { directory: argv[1], rest: argv.slice(2) };
}

export async function main(argv: readonly string[], version: string): Promise<number> {
  try {
    const { directory, rest } = splitDirectoryOption(argv);
    if (directory !== undefined) {
      try {
        process.chdir(directory);
      } catch {
        throw new UsageError(`cannot change to directory '${directory}'`, { hint: 'check the path given to -C' });
      }
    }
    const action = parseCommandLine(rest);
    if (action.kind === 'help') {
      process.stdout.write(`${action.text}\n`);
      return ExitCode.ok;
    }
    if (action.kind === 'version') {
      process.stdout.write(`${version}\n`);
      return ExitCode.ok;
    }
    if (action.debug) process.env.CWT_DEBUG = '1';
    return await COMMANDS[action.parsed.command]!.run(action.parsed);
  } catch (error) {
    return reportError(error);
  }
}
