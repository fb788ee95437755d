/**
 * The argument table: each command's options, positionals and help, mapped to a lazy import of its module.
 * Parsing lives here and only here (node:util parseArgs, strict); commands receive typed option objects.
 * `--` ends cwt's own arguments: what follows goes to the agent untouched.
 */
import { isAbsolute, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ExitCode, UsageError } from './core/util/errors.js';
import { MESSAGES } from './texts/messages.js';

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
const strs = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined);

/**
 * Splits `<subcommand> <args…>` of a command with subcommands and checks the argument count, before anything
 * is opened. `arity` maps each subcommand to [min, max] arguments.
 */
function splitSubcommand<A extends string>(command: string, positionals: readonly string[], arity: Record<A, [number, number]>): { action: A; args: string[] } {
  const [action, ...args] = positionals;
  const usage = COMMANDS[command]!.usage;
  if (action === undefined || !Object.hasOwn(arity, action)) {
    throw new UsageError(MESSAGES.badArguments(command, `${action === undefined ? 'missing subcommand' : `unknown subcommand '${action}'`}; usage: ${usage}`), {
      hint: MESSAGES.badArgumentsHint(command),
    });
  }
  const [min, max] = arity[action as A];
  if (args.length < min || args.length > max) {
    const detail = args.length < min ? 'missing argument' : `unexpected argument '${args[max]}'`;
    throw new UsageError(MESSAGES.badArguments(`${command} ${action}`, `${detail}; usage: ${usage}`), { hint: MESSAGES.badArgumentsHint(command) });
  }
  return { action: action as A, args };
}

export const COMMANDS: Record<string, CommandSpec> = {
  new: {
    usage: 'cwt new <branch> [--from <ref>] [--fork <session|branch>] [--path <dir>] [--agent <cmd>] [--no-launch] [--json] [-- <agent args>]',
    summary: 'start a session in a worktree of its own, with its own memory, and launch the agent',
    help: `Creates a worktree for <branch> (a new branch from --from, default HEAD, or an existing one) beside the
repository (../<repo>.worktrees/<branch>), registers the session, gives it its own Claude Code memory
directory seeded from the repository's memory, leases the resources the config declares (leases: a port, a
compose project name…; exported to the agent and written to .cwt.env in the worktree), writes
CLAUDE.local.md, and launches the agent with that memory wired in. cwt stays as the supervisor until the agent
exits. Ctrl-C before the agent starts undoes everything; a cwt new killed outright (kill -9) is undone by the
next cwt new in the repository or by cwt gc, except a worktree someone already worked in, which is kept.

--agent runs another agent: codex (notes in AGENTS.md, or AGENTS.override.md when AGENTS.md is tracked),
gemini (GEMINI.md), aider (--read <notes>), or any command (AGENTS.md). Worktree, locks, leases, status and the
git checks work for all; the memory directory and the hooks are wired for claude only.

--fork <session|branch> starts from another session's work: the branch starts at that session's tip (or
--from), and claude continues from a copy of that session's last conversation (--resume --fork-session), so
the original goes on untouched in its own worktree; the memory directory gets the repository's memory plus
that session's unmerged notes, and CLAUDE.local.md says so. Claude Code only; other agents are refused.

Examples:
  cwt new feat/login                       # new branch from HEAD, launch claude
  cwt new feat/b --fork feat/a             # feat/a's tip and a copy of its conversation
  cwt new fix/123 --from origin/main       # start from another ref
  cwt new feat/x --no-launch               # create everything, print the worktree path
  cwt new feat/x -- -p "run the tests"     # arguments after -- go to the agent
  cwt new feat/y --agent codex             # Codex in its own worktree, with the session's leases`,
    options: {
      from: { type: 'string' },
      fork: { type: 'string' },
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
        fork: str(values.fork),
      });
    },
  },
  attach: {
    usage: 'cwt attach <branch|id> [--new | --pick [<conversation id>]] [--force] [-- <agent args>]',
    summary: "relaunch the agent in a session's worktree, continuing its last conversation",
    help: `Starts a session's agent again in its worktree, with its memory wiring, and supervises it. Claude Code
continues the session's last conversation (claude --resume <id>, the id the hooks recorded); --new starts a
fresh one; --pick lists the session's conversations to choose from (on a terminal), or takes the id to
continue (--pick <id>). Agent arguments that choose a conversation themselves (--resume, --continue…) win.
Refuses while another cwt process still supervises it, unless --force.

A session that ended with its worktree removed (cwt end --remove) is picked up again while its branch exists:
cwt creates a new session on that branch (same path rules as cwt new, memory seeded from the repository's
memory), copies the conversation's transcript to where claude looks for it in the new worktree (the original
is never changed; the copy is marked by a .cwt-copy.json file beside it) and continues it.

Other agents: only --new is supported (a plain attach starts them afresh too); --pick, and attaching an
ended session without --new, are refused.

Examples:
  cwt attach feat/login                    # continue the last conversation
  cwt attach feat/login --new              # a fresh conversation
  cwt attach feat/login --pick             # choose one (or: --pick <conversation id>)
  cwt attach 3f9c2a1b -- -p "next step"`,
    options: { force: { type: 'boolean' }, new: { type: 'boolean' }, pick: { type: 'boolean' } },
    positionals: { min: 1, max: 2 },
    passthrough: true,
    run: async ({ values, positionals, rest }) => {
      const { attachSession } = await import('./commands/attach.js');
      return attachSession({ ref: positionals[0], force: bool(values.force), fresh: bool(values.new), pick: bool(values.pick), pickId: positionals[1], agentArgs: rest });
    },
  },
  status: {
    usage: 'cwt status [--all] [--json] [--markdown] [--watch]',
    summary: 'list the sessions of this repository (alias: ls)',
    help: `Lists this repository's sessions (every repository's outside one): id, branch, state (live, stale,
ended), agent, age, last heartbeat, memory, leased values (when any), worktree. A session is live while its supervisor runs on this machine or
its heartbeat is younger than the session TTL (default 2m).

--watch keeps the table on screen and redraws it in place as sessions change (woken by the shared store's
notifications on PostgreSQL, a quick look every 250 ms on SQLite; ages refresh every 5 s); Ctrl-C quits.
Piped, it prints a new table each time something changed.

Examples:
  cwt status
  cwt status --watch
  cwt status --all --json | jq '.[] | select(.state == "live") | .branch'
  cwt status --markdown > sessions.md`,
    options: { all: { type: 'boolean' }, json: { type: 'boolean' }, markdown: { type: 'boolean' }, watch: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      const { showStatus } = await import('./commands/status.js');
      return showStatus({ all: bool(values.all), json: bool(values.json), markdown: bool(values.markdown), watch: bool(values.watch) });
    },
  },
  dashboard: {
    usage: 'cwt dashboard [--port N] [--open] [--repo <dir> | --all] [--json]',
    summary: 'a live page of every session, lock and event, in the browser',
    help: `Serves a page on 127.0.0.1 (a free port unless --port) and prints its URL, which carries a fresh random
access token: without it the page answers 401, and a request naming another host is refused. The page shows
the sessions grouped by repository (branch, worktree, agent, activity and since when, heartbeat, memory,
leases, the files each claims, its tasks), the locks (holder, fencing token, age, note), open handoffs, the
latest denials, takeovers, conflicts, memory merges and commits, and a timeline since the oldest session began
(at most 3 hours): one
lane per session, its events as marks, lock holds as bars, a dashed line where two sessions touched one file.
It updates within a second of a change, pushed from the store (NOTIFY on a shared PostgreSQL store, so every
machine's sessions show). Enter or a click on a session shows its events. Runs until Ctrl-C.

Inside a repository it shows that repository's sessions; --repo <dir> another's; --all (or outside a
repository) every one of the store. --open also opens the default browser (a failure is only a warning).
--json prints {"url", "port", "scope"} on one line instead of the message.

Examples:
  cwt dashboard --open
  cwt dashboard --all --port 8731`,
    options: { port: { type: 'string' }, open: { type: 'boolean' }, repo: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      const { runDashboard } = await import('./commands/dashboard.js');
      return runDashboard({ port: str(values.port), open: bool(values.open), repo: str(values.repo), all: bool(values.all), json: bool(values.json) });
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
releases stale locks and leases no open session holds. First it rolls back what a cwt new killed midway
left (its run journal names a dead process of this host), keeping and reporting a worktree that holds work;
otherwise it never deletes a worktree or a memory namespace. --dry-run reports without changing anything.

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
    usage: 'cwt install [--global] [--git-hooks] [--mcp | --no-mcp] [--uninstall] [--json]',
    summary: "wire cwt's hooks into Claude Code settings (this repository, or --global), or into git (--git-hooks), and register its MCP server",
    help: `Merges cwt's Claude Code hooks into .claude/settings.local.json of this repository's main checkout (kept
out of git through .git/info/exclude), or with --global into the Claude home's settings.json, so that plain
claude tabs are adopted as sessions: they see their siblings, and are stopped before overwriting a file
another session is editing or a shared harness file changed since they read it; and so that claude -w <name>
creates its worktree through cwt (WorktreeCreate/WorktreeRemove hooks). Other keys and other hooks
are kept, a second run changes nothing, and the file is written with a locked compare-and-swap.
It also registers cwt's MCP server (cwt mcp: list_sessions, who_has, store_data, task_claim_next, …) for
plain tabs of this repository, by default where the fast path runs (Linux): in .mcp.json of the main checkout
(kept out of git) and approved through enabledMcpjsonServers in .claude/settings.local.json; worktrees made by
cwt new and claude -w get the same two files of their own. That long-lived cwt mcp is then the fast path's
second decider (an mcp_tool hook beside the http one), so no process starts per tool call in any kind of
session. Where no cwt MCP server can be counted on, the second decider is a guard command instead (a shell
start per tool call while the service runs, the Node hook when it does not): with --no-mcp, with --global
(cwt never writes ~/.claude.json, which Claude Code rewrites itself while running; --global --mcp prints the
claude mcp add --scope user command to run instead), and where .mcp.json is tracked by git (the team's file is
left alone, with a note; --mcp then fails instead). --uninstall removes cwt's hooks and its MCP server and
nothing else. Sessions started with cwt new get the hooks and the MCP server (--mcp-config) without this.

--git-hooks installs cwt's git hooks instead, in the hooks directory git uses here (core.hooksPath is
honoured): pre-commit runs the commit check (cwt check --staged), post-commit records the commit for its
session and releases its claims on the committed files, post-merge and post-rewrite note that the checkout
moved its own branch. Each is a small sh script running this cwt by absolute path. A hook already there
(husky, lefthook, your own script) is kept as <hook>.cwt-chained and runs first; its failure still fails the
commit. A hook file tracked by git is left alone, with the line to add to it. cwt new installs them once per
repository (config gitHooks: false turns that off). With --uninstall, exactly what was there comes back.

Examples:
  cwt install                              # hooks, the fast path and cwt mcp as its second decider
  cwt install --no-mcp                     # no MCP server: the guard command is the fallback
  cwt install --global
  cwt install --uninstall
  cwt install --git-hooks
  cwt install --git-hooks --uninstall`,
    options: { global: { type: 'boolean' }, 'git-hooks': { type: 'boolean' }, mcp: { type: 'boolean' }, 'no-mcp': { type: 'boolean' }, uninstall: { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      if (bool(values.global) && bool(values['git-hooks'])) {
        throw new UsageError(MESSAGES.badArguments('install', '--global and --git-hooks do not go together: git hooks belong to a repository'), { hint: 'run cwt install --git-hooks inside the repository' });
      }
      const { installHooks } = await import('./commands/install.js');
      return installHooks({ global: bool(values.global), gitHooks: bool(values['git-hooks']), mcp: bool(values.mcp), noMcp: bool(values['no-mcp']), uninstall: bool(values.uninstall), json: bool(values.json) });
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
repository, its Claude Code hooks for plain tabs, the state directory's modes, stale sessions and locks,
whether this repository's own .cwt.json is trusted (cwt trust), leftovers of a cwt new killed midway.
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
  trust: {
    usage: 'cwt trust [--revoke] [--json]',
    summary: "let this repository's own .cwt.json run its setup commands, choose the agent, move worktrees, narrow the guard",
    help: `A repository's .cwt.json comes with git clone and git pull, written by whoever controls the repository.
Its keys that run code or weaken a guard apply only once you trust that exact content, as with direnv allow
or mise trust: setup (commands run in each new worktree), agent (the command cwt new launches), leases
(environment variables of both: PATH or NODE_OPTIONS would run code), worktreeDir (where worktrees go) and
protectedPaths (which Claude home files the hooks guard). Until then cwt new and claude -w say in one line
what they ignored and use your own config (~/.config/cwt/config.json) and the defaults for those keys; the
other keys (claimMode, strictCheck, memoryIndexFiles, …) apply at once.

cwt trust prints the file, its sha256 and each of those keys with its value, and records that content as
trusted, for you on this machine (in cwt's state directory, mode 0600). Any change to the file (a pull, a
branch switch) makes it untrusted again: read it, then run cwt trust again. cwt doctor shows the state.
--revoke takes the trust back. Run it anywhere in the repository or its worktrees: the file is the one in
the main checkout.

Examples:
  git diff HEAD@{1} -- .cwt.json     # after a pull: what changed?
  cwt trust --json                   # what it trusts, as JSON
  cwt trust
  cwt trust --revoke`,
    options: { revoke: { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      const { trustRepoConfig } = await import('./commands/trust.js');
      return trustRepoConfig({ revoke: bool(values.revoke), json: bool(values.json) });
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
      const { isGitHookName } = await import('./core/git/githooks.js');
      const name = positionals[0];
      if (!isGitHookName(name)) throw new UsageError(MESSAGES.unknownGitHook(name!), { hint: MESSAGES.unknownGitHookHint });
      const { getOwnShim, runGitHook } = await import('./hooks/githook.js');
      return runGitHook(name, { env: process.env, cwd: process.cwd(), write: (text) => void process.stderr.write(`${text}\n`), gitPid: process.ppid, shim: getOwnShim() });
    },
  },
  kv: {
    usage: 'cwt kv get <scope> [<key>] | set <scope> <key> <value> [--expect <version>] | cas <scope> <key> <value> --expect <version> | ls [<glob>] | rm <scope> (<key> | --all) [--json]',
    summary: 'shared state for sessions: values under a scope and key, with compare-and-set',
    help: `Stores small JSON values that every session (and the MCP tools) can read, under a scope such as
issue:15, project:api or session:<id>, and a key. Every write gives the key a new version (versions never
repeat, even after a delete). A value is taken as JSON when it parses (42, true, {"a":1}, "text"), else as text;
--string keeps it text.

The usual "read whether it is taken, then write mine" double-claims when two sessions race: both read
"free". Compare-and-set does not: cas (or set --expect) writes only if the key is still at the version you
read, 0 meaning "not set yet", so exactly one racer wins; the others exit 1 with the current value and version.
  get <scope> [<key>]   one value (printed bare, exit 1 when not set), or every key of the scope
  set                   write unconditionally (or with --expect, like cas)
  cas                   write only if the key is at --expect <version>
  ls [<glob>]           the scopes holding values (glob: * and ?)
  rm <scope> <key>      delete a key (--expect makes it conditional); rm <scope> --all deletes the scope

Examples:
  cwt kv cas issue:15 owner "$CWT_SESSION" --expect 0 && echo "issue 15 is mine"
  cwt kv get issue:15 owner
  cwt kv set project:api migrating '{"by":"3f9c2a1b","table":"users"}'
  cwt kv ls 'issue:*'
  cwt kv rm issue:15 --all`,
    options: { expect: { type: 'string' }, string: { type: 'boolean' }, all: { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 1, max: 4 },
    run: async ({ values, positionals }) => {
      const { runKv, KV_ARITY } = await import('./commands/kv.js');
      const { action, args } = splitSubcommand('kv', positionals, KV_ARITY);
      return runKv({ action, args, expect: str(values.expect), string: bool(values.string), all: bool(values.all), json: bool(values.json) });
    },
  },
  task: {
    usage:
      'cwt task add <title> [--queue <q>] [--data <json>] | claim [<id>] [--queue <q>] [--ttl 30m] | progress <id> [--phase <p>] [--percent <n>] [--message <m>] | done <id> [--result <json>] | release <id> | ls [--queue <q>] [--state <s>] [--json] [--owner <name>] [--force]',
    summary: 'a work queue: add items, claim the next one atomically, report progress, complete',
    help: `A queue of work items that several sessions drain without doing one twice. claim takes the oldest
pending task of the queue (default queue: default) in one atomic step, or the task named by id. The claim
belongs to the current session (or to --owner <name> outside one) and lapses when that session stops being
live, or when no claim or progress came for --ttl (default 30m): the task then goes back to pending, at the
next claim of its queue or at cwt gc. progress (phase, percent, message) also heartbeats the claim and shows
in cwt status. Exit codes: claim with nothing pending 1; done/progress/release of a task you do not hold 1.

Examples:
  cwt task add "port the users table" --queue issue:15 --data '{"table":"users"}'
  cwt task claim --queue issue:15 --json
  cwt task progress 12 --phase testing --percent 60 --message "3 of 5 suites green"
  cwt task done 12 --result '{"pr":42}'
  cwt task release 12                  # give it back, pending again
  while cwt task claim --queue q --owner worker-1 --json > t.json; do …; cwt task done "$(jq .id t.json)" --owner worker-1; done
  cwt task ls --state claimed`,
    options: {
      queue: { type: 'string' },
      data: { type: 'string' },
      result: { type: 'string' },
      owner: { type: 'string' },
      ttl: { type: 'string' },
      state: { type: 'string' },
      phase: { type: 'string' },
      percent: { type: 'string' },
      message: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    positionals: { min: 1, max: 2 },
    run: async ({ values, positionals }) => {
      const { runTask, TASK_ARITY } = await import('./commands/task.js');
      const { action, args } = splitSubcommand('task', positionals, TASK_ARITY);
      return runTask({
        action,
        args,
        queue: str(values.queue),
        data: str(values.data),
        result: str(values.result),
        owner: str(values.owner),
        ttl: str(values.ttl),
        state: str(values.state),
        phase: str(values.phase),
        percent: str(values.percent),
        message: str(values.message),
        force: bool(values.force),
        json: bool(values.json),
      });
    },
  },
  handoff: {
    usage: 'cwt handoff create <summary> [--next <step>]… [--file <path>]… [--branch <b>] [--to <session>] | accept <id> | ls [--all] [--json]',
    summary: 'leave work for another session, and take it over atomically',
    help: `create records where the work stands (a summary), the next steps (--next, repeatable), the files
involved (--file, repeatable) and the branch (default: the session's), optionally for one session (--to).
accept takes it for the current session: exactly one of several sessions accepting at once gets it; the
others exit 1 naming who did. ls lists this repository's open handoffs (--all: every one, accepted too).

Examples:
  cwt handoff create "login form done; API not wired" --next "wire POST /login" --next "add the e2e test" --file src/login.ts
  cwt handoff ls
  cwt handoff accept 3`,
    options: {
      next: { type: 'string', multiple: true },
      file: { type: 'string', multiple: true },
      branch: { type: 'string' },
      to: { type: 'string' },
      owner: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    positionals: { min: 1, max: 2 },
    run: async ({ values, positionals }) => {
      const { runHandoff, HANDOFF_ARITY } = await import('./commands/handoff.js');
      const { action, args } = splitSubcommand('handoff', positionals, HANDOFF_ARITY);
      return runHandoff({
        action,
        args,
        next: strs(values.next),
        file: strs(values.file),
        branch: str(values.branch),
        to: str(values.to),
        owner: str(values.owner),
        all: bool(values.all),
        json: bool(values.json),
      });
    },
  },
  log: {
    usage: 'cwt log [-f] [--json] [--session <id|branch>] [--since 1h] [--limit 50]',
    summary: 'the event log: every state change, newest last; -f follows it',
    help: `Shows what happened, one line per state change: sessions starting, adopted, ending and going stale; file
claims, takeovers and denied edits; locks acquired, taken over and released; memory merges and their
conflicts; shared values, tasks and handoffs. By default the newest 50 events; --since 1h all events of the
last hour; --session those of one session. -f keeps printing new events as they happen (Ctrl-C stops).
--json prints one JSON object per line: {id, at, kind, session, repo, data}.

Examples:
  cwt log
  cwt log -f
  cwt log --since 30m --session feat/login
  cwt log --json --since 1d | jq -c 'select(.kind == "claim.deny")'`,
    options: {
      follow: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      session: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
    },
    positionals: { min: 0, max: 0 },
    run: async ({ values }) => {
      const { showLog } = await import('./commands/log.js');
      return showLog({ follow: bool(values.follow), json: bool(values.json), session: str(values.session), since: str(values.since), limit: str(values.limit) });
    },
  },
  notify: {
    usage: 'cwt notify set <url|-> [--throttle 60s] | status | test | off | send [--quiet]   [--json]',
    summary: 'an optional webhook (Slack-compatible) for session start/end, conflicts, denials, takeovers',
    help: `Posts {"text": "…"} to a webhook (a Slack incoming webhook, or anything that accepts that JSON) when a
session starts or ends, an edit is denied or a claim taken over, a stale lock is taken over, or a memory merge
stops on a conflict. Messages about one file or lock are throttled to one per --throttle (default 60s; the
next one says how many were held back). Posting never happens on a hook's time: cwt starts a small sender
process in the background, which retries a failed post twice with backoff and then records a notify.failed
event (see cwt log). The URL is a credential: it is kept in a mode 600 file (notify.json beside your cwt
config; CWT_NOTIFY_CONFIG overrides), cwt warns when that file is readable by others, and never prints it.
  set <url|->   save the URL (- reads it from stdin, keeping it out of shell history); starts from now
  status        configured or not, pending messages, the last failure (never the URL)
  test          post a test message now
  off           remove the webhook
  send          send what is pending now (cwt does this by itself)

Examples:
  cwt notify set - < ~/secrets/slack-webhook-url
  cwt notify test
  cwt notify status --json`,
    options: { throttle: { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, json: { type: 'boolean' } },
    positionals: { min: 1, max: 2 },
    run: async ({ values, positionals }) => {
      const { runNotify, NOTIFY_ARITY } = await import('./commands/notify.js');
      const { action, args } = splitSubcommand('notify', positionals, NOTIFY_ARITY);
      return runNotify({ action, args, throttle: str(values.throttle), quiet: bool(values.quiet), json: bool(values.json) });
    },
  },
  mcp: {
    usage: 'cwt mcp',
    summary: "cwt's MCP server (stdio) with coordination tools for the agent; started by Claude Code",
    help: `Serves cwt's coordination tools over the Model Context Protocol on stdin/stdout: list_sessions, who_has,
claim_files, release_files, lock, unlock, store_data, retrieve_data, list_scopes, delete_data, task_add,
task_claim_next, task_complete, progress, handoff_create, handoff_accept, log_event (a milestone of the
agent's own, shown by cwt log), recent_events (the event log, filtered). Claude Code starts it: sessions
launched by cwt new get it through --mcp-config; cwt install registers it for plain tabs of this repository
(not with --no-mcp or --global), and worktrees of cwt new and claude -w get a .mcp.json with it. Claude Code's
mcp_tool hooks call its cwt_hook_endpoint tool: the fast path's second decider, no process per tool call. It works for the session in $CWT_SESSION, else the cwt worktree it runs in, else the adopted tab
that started it; outside any session only the read-only tools work.

Examples:
  cwt install                                # register it in this repository's .mcp.json (the default)
  claude --mcp-config '{"mcpServers":{"cwt":{"command":"cwt","args":["mcp"]}}}'`,
    options: {},
    positionals: { min: 0, max: 0 },
    run: async () => {
      const { runMcp } = await import('./commands/mcp.js');
      return runMcp({});
    },
  },
  serve: {
    usage: 'cwt serve',
    summary: "the per-user hook fast path (loopback http); started on demand by cwt's hooks, not by you",
    help: `Answers Claude Code's tool and turn hooks of every session of this user over http on 127.0.0.1, at the
port cwt install recorded (fastpath.json in cwt's state directory), so no session starts a process per tool call.
The SessionStart hook, cwt new and cwt install start it when it is not running; it leaves after
CWT_FASTPATH_IDLE_MS (default 15 min) without a request or a live session. Only this user's processes get an
answer (the caller's uid, from /proc/net/tcp); one instance per user (fastpath.pid). When it is not running, the
command hooks answer instead. Linux only; CWT_FASTPATH=off turns it off for cwt install.
git's pre-commit shim asks it too (curl, POST /git/pre-commit): the commit check without a Node start; without
the service, curl, or an answer within 2 s the shim runs the Node hook (CWT_NO_SERVICE=1 forces that).

Example (what the SessionStart hook does):
  cwt serve`,
    options: {},
    positionals: { min: 0, max: 0 },
    run: async () => {
      const { runServe } = await import('./commands/serve.js');
      return runServe({});
    },
  },
  hook: {
    usage: 'cwt hook <session-start|user-prompt-submit|pre-tool-use|post-tool-use|post-tool-use-failure|notification|stop|session-end|worktree-create|worktree-remove>',
    summary: "Claude Code's hook handler (stdin JSON -> decision JSON); run by Claude Code, not by you",
    help: `What cwt install and cwt new register with Claude Code. Reads the hook input JSON on stdin and prints a
decision JSON (or nothing). It never fails a tool call by accident: malformed input or any internal error
means no decision, exit 0, and a line in hook-errors.log in cwt's state directory.
  session-start   link the Claude session to a cwt session (adopting a plain tab), list live siblings
  user-prompt-submit
                  a prompt was submitted: the session's activity becomes working (cwt status)
  pre-tool-use    Edit/Write/MultiEdit/NotebookEdit: deny an edit of a file another session in this
                  checkout is editing (once), warn of merge conflicts with other worktrees, refuse a
                  stale or concurrent write to a shared harness file; Bash: refuse shell writes into one
  post-tool-use   remember what was read of harness files, release write leases
  post-tool-use-failure
                  an edit that PreToolUse let through failed: release its write lease at once
  notification    Claude Code asked the user something: the activity becomes waiting
  stop            the turn ended: the activity becomes idle
  session-end     release this Claude session's claims and leases; the activity ends
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
      const { answerCommandHook } = await import('./hooks/command.js');
      await answerCommandHook(event);
      return 0;
    },
  },
};

export const ALIASES: Record<string, string> = { ls: 'status' };

/** Commands that trigger the webhook sender themselves (or are it), or change nothing. */
const NO_NOTIFY_EPILOGUE = new Set(['hook', 'mcp', 'notify', 'status', 'who', 'log', 'sha']);
/** The everyday commands after which a daily retention pass may run (never the hooks; gc runs its own). */
const RETENTION_EPILOGUE = new Set(['new', 'attach', 'status', 'end', 'merge-memory', 'doctor']);

const GLOBAL_OPTIONS: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
};

export function renderMainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'cwt: run several Claude Code sessions on one repository without them eating each other’s work',
    '',
    'Usage: cwt [-C <dir>] [--debug] <command> [options]',
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
  | { kind: 'run'; parsed: ParsedCommand; debug: boolean; directory: string | undefined };

/** The options cwt takes before the command, as git does: `cwt -C <dir> --debug status`. */
export interface GlobalOptions {
  /** -C: run as if started there. */
  directory: string | undefined;
  debug: boolean;
}

/**
 * Splits the global options in front of the command (`-C <dir>` and `--debug`, in any order) from the rest
 * of argv. As in git, a second -C with a relative path is taken relative to the first. `--help` and
 * `--version` stay in place: the command position answers them. Pure.
 */
export function splitGlobalOptions(argv: readonly string[]): { globals: GlobalOptions; rest: readonly string[] } {
  const globals: GlobalOptions = { directory: undefined, debug: false };
  let index = 0;
  for (; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--debug') {
      globals.debug = true;
    } else if (arg === '-C') {
      const dir = argv[++index];
      if (dir === undefined || dir === '') throw new UsageError(MESSAGES.directoryOptionEmpty, { hint: MESSAGES.directoryOptionHint });
      globals.directory = globals.directory === undefined || isAbsolute(dir) ? dir : join(globals.directory, dir);
    } else if (arg.startsWith('-') && !['--help', '-h', '--version', '-v'].includes(arg)) {
      throw new UsageError(MESSAGES.unknownGlobalOption(arg), { hint: MESSAGES.unknownCommandHint });
    } else {
      break;
    }
  }
  return { globals, rest: argv.slice(index) };
}

/** Parses argv (without node and script) into an action. Pure: throws UsageError on bad input. */
export function parseCommandLine(argv: readonly string[]): CliAction {
  const { globals, rest: commandLine } = splitGlobalOptions(argv);
  const [first, ...tail] = commandLine;
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
  return {
    kind: 'run',
    parsed: { command, values: parsed.values, positionals: parsed.positionals, rest },
    debug: globals.debug || parsed.values.debug === true,
    directory: globals.directory,
  };
}

// The one top-level catch, shared with the hook bundle's lean commands.
export { reportError } from './ui/errorreport.js';
import { reportError } from './ui/errorreport.js';

export async function main(argv: readonly string[], version: string): Promise<number> {
  try {
    const action = parseCommandLine(argv);
    if (action.kind === 'help') {
      process.stdout.write(`${action.text}\n`);
      return ExitCode.ok;
    }
    if (action.kind === 'version') {
      process.stdout.write(`${version}\n`);
      return ExitCode.ok;
    }
    if (action.directory !== undefined) {
      try {
        process.chdir(action.directory);
      } catch {
        throw new UsageError(MESSAGES.directoryUnusable(action.directory), { hint: MESSAGES.directoryUnusableHint });
      }
    }
    if (action.debug) process.env.CWT_DEBUG = '1';
    const code = await COMMANDS[action.parsed.command]!.run(action.parsed);
    // The change is made and reported: a configured webhook hears about it from a sender of its own.
    if (!NO_NOTIFY_EPILOGUE.has(action.parsed.command)) {
      const { triggerNotifierAfterCommand } = await import('./core/coordination/notify.js');
      await triggerNotifierAfterCommand();
    }
    if (code === ExitCode.ok && RETENTION_EPILOGUE.has(action.parsed.command)) {
      // The marker's mtime first: the pass (and the config schema it loads) only on the day's first command.
      const { isRetentionPassDue } = await import('./core/retention/due.js');
      if (isRetentionPassDue()) await (await import('./core/retention/pass.js')).runRetentionPassIfDue();
    }
    return code;
  } catch (error) {
    return reportError(error);
  }
}
