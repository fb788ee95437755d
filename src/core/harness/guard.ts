/**
 * Protected harness files: what under the Claude home an agent may not write blindly (skills catalogues,
 * settings.json, canonical memory), and a best-effort reading of shell commands that would write there.
 * Pure; the gitignore matcher for configured patterns is built only when patterns exist.
 */
import { basename, resolve } from 'node:path';
import { getCheckoutRelativePath } from '../coordination/claims.js';

export interface HarnessGuard {
  /** The Claude home, as a real path. */
  claudeHome: string;
  /** Directories under it the session owns (its memory namespace), as real paths. */
  exempt: readonly string[];
  /** From the configured gitignore-style patterns (relative to the Claude home); absent: everything. */
  matches?: (relativePath: string) => boolean;
}

/** True when `path` (absolute, real) is a harness file the session does not own. */
export function isProtectedPath(path: string, guard: HarnessGuard): boolean {
  const rel = getCheckoutRelativePath(path, guard.claudeHome);
  if (rel === undefined) return false;
  if (guard.exempt.some((dir) => getCheckoutRelativePath(path, dir) !== undefined || path === dir)) return false;
  return guard.matches ? guard.matches(rel) : true;
}

/** Builds the matcher for configured patterns (loads `ignore`, so only when there are patterns). */
export async function createPatternMatcher(patterns: readonly string[]): Promise<(relativePath: string) => boolean> {
  const { default: ignore } = await import('ignore');
  const matcher = ignore().add([...patterns]);
  return (relativePath) => matcher.ignores(relativePath);
}

type Token = { op: string } | { word: string };

/**
 * Splits a shell command into words and operators, honouring quotes and backslashes. Expansions are left
 * as written; this is for spotting write targets, not for running anything.
 */
export function tokenizeShell(command: string): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let inWord = false;
  const flush = () => {
    if (inWord) tokens.push({ word });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      word += command.slice(i + 1, end === -1 ? undefined : end);
      inWord = true;
      i = end === -1 ? command.length : end;
    } else if (c === '"') {
      i++;
      while (i < command.length && command[i] !== '"') {
        if (command[i] === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1]!)) i++;
        word += command[i++];
      }
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      flush();
    } else if (c === '\n' || c === ';' || c === '|' || c === '&' || c === '(' || c === ')') {
      flush();
      const two = command.slice(i, i + 2);
      const op = two === '&&' || two === '||' || two === '&>' ? two : c;
      if (op === '&>') {
        const append = command[i + 2] === '>';
        tokens.push({ op: append ? '>>' : '>' });
        i += append ? 2 : 1;
      } else {
        tokens.push({ op });
        i += op.length - 1;
      }
    } else if (c === '>' || (c === '<' && command[i + 1] !== '<')) {
      // A bare file-descriptor number right before > belongs to the operator (2>file).
      if (/^\d+$/.test(word)) {
        word = '';
        inWord = false;
      }
      flush();
      let op = c;
      if (c === '>' && (command[i + 1] === '>' || command[i + 1] === '|')) op += command[++i];
      if (command[i + 1] === '&') {
        i++; // >&2: duplicating a descriptor, no file named
        op = `${op}&`;
      }
      tokens.push({ op });
    } else {
      word += c;
      inWord = true;
    }
  }
  flush();
  return tokens;
}

const COMMAND_PREFIXES = new Set(['sudo', 'command', 'env', 'nohup', 'time', 'exec', 'builtin']);

function targetsOfCommand(words: string[]): string[] {
  let index = 0;
  while (index < words.length && (COMMAND_PREFIXES.has(words[index]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[index]!))) index++;
  const name = basename(words[index] ?? '');
  const args = words.slice(index + 1);
  const operands = args.filter((arg) => !arg.startsWith('-'));
  switch (name) {
    case 'tee':
      return operands;
    case 'cp':
    case 'mv':
    case 'install': {
      const t = args.findIndex((arg) => arg === '-t' || arg === '--target-directory');
      if (t !== -1 && args[t + 1] !== undefined) return [args[t + 1]!];
      const inline = args.find((arg) => arg.startsWith('--target-directory='));
      if (inline) return [inline.slice('--target-directory='.length)];
      return operands.length >= 2 ? [operands[operands.length - 1]!] : [];
    }
    case 'sed': {
      if (!args.some((arg) => arg === '-i' || /^-i\S/.test(arg) || arg.startsWith('--in-place') || /^-[a-zA-Z]*i/.test(arg))) return [];
      const hasScriptOption = args.some((arg) => arg === '-e' || arg === '-f' || arg.startsWith('--expression') || arg.startsWith('--file'));
      // Without -e/-f the first operand is the script; -e/-f take the next word as their argument.
      const files: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const arg = args[i]!;
        if (arg === '-e' || arg === '-f') i++;
        else if (!arg.startsWith('-')) files.push(arg);
      }
      return hasScriptOption ? files : files.slice(1);
    }
    case 'dd':
      return args.filter((arg) => arg.startsWith('of=')).map((arg) => arg.slice(3));
    default:
      return [];
  }
}

/**
 * The paths a shell command would write, as written: redirection targets (`>`, `>>`, `>|`, `&>`), `tee`
 * operands, the destination of `cp`/`mv`/`install`, files edited by `sed -i`, `dd of=`. Best effort: a
 * determined script (eval, a variable holding the path, an interpreter) is not understood.
 */
export function findShellWriteTargets(command: string): string[] {
  const targets: string[] = [];
  let words: string[] = [];
  const tokens = tokenizeShell(command);
  const endCommand = () => {
    targets.push(...targetsOfCommand(words));
    words = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if ('word' in token) {
      words.push(token.word);
    } else if (token.op === '>' || token.op === '>>' || token.op === '>|') {
      const next = tokens[i + 1];
      if (next && 'word' in next) {
        targets.push(next.word);
        i++;
      }
    } else if (token.op === '<' || token.op === '>&' || token.op === '>>&') {
      // Input redirection reads its file; >&2 names a descriptor. Neither writes a path.
      if (tokens[i + 1] && 'word' in tokens[i + 1]!) i++;
    } else {
      endCommand();
    }
  }
  endCommand();
  return targets.filter((target) => target !== '' && target !== '/dev/null' && !target.startsWith('/dev/fd/'));
}

/** Expands a leading `~` or `$HOME`/`${HOME}` and resolves against `cwd`. */
export function expandShellPath(word: string, cwd: string, home: string): string {
  let path = word;
  if (path === '~' || path.startsWith('~/')) path = home + path.slice(1);
  else if (path === '$HOME' || path.startsWith('$HOME/')) path = home + path.slice(5);
  else if (path === '${HOME}' || path.startsWith('${HOME}/')) path = home + path.slice(7);
  return resolve(cwd, path);
}
