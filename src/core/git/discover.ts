/**
 * The repository containing a directory, and its `origin` URL, read from the files git itself reads (`.git`,
 * a worktree's `commondir`, the config files) instead of starting git. `cwt status` asks this first: two git
 * processes and node:child_process were most of what it waited for beyond Node's own start. Only the plain
 * layouts are answered here. Anything else (a variable that changes git's discovery or its config, a filesystem
 * boundary, a directory or git dir of another owner, a bare repository, core.worktree, an [extensions] section,
 * includes, a config line this reader does not know) is undefined, and the caller asks git, whose answer
 * stands. The answers are git's own: test/unit/git-discover.test.ts compares them with `git rev-parse
 * --show-toplevel --absolute-git-dir --git-common-dir` and `git config --get remote.origin.url`.
 *
 * Assumed: git's compiled-in system config is /etc/gitconfig (Debian's and most distributions' git), unless
 * GIT_CONFIG_SYSTEM names another or GIT_CONFIG_NOSYSTEM turns it off.
 */
import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** What `git rev-parse --show-toplevel --absolute-git-dir --git-common-dir` and `git config --get remote.origin.url` print. */
export interface DiscoveredRepo {
  topLevel: string;
  gitDir: string;
  /** As git prints it: relative to the physical cwd for a main checkout, absolute for a linked worktree. */
  rawCommonDir: string;
  /** remote.origin.url's last value, or undefined when no config file sets it. */
  originUrl: string | undefined;
}

/** Variables that change where git looks or what its config holds; with any of them, git answers. */
const GIT_DISCOVERY_VARIABLES = ['GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_CONFIG', 'GIT_OBJECT_DIRECTORY'];
const DEFAULT_SYSTEM_CONFIG = '/etc/gitconfig';
/** Deeper than any real checkout; a deeper walk is left to git. */
const MAX_DEPTH = 256;

/** One `key = value` of a config file; section and key lower-cased, the subsection as written (case matters). */
export interface GitConfigEntry {
  section: string;
  subsection: string | null;
  key: string;
  /** null for a key without `=` (a boolean true). */
  value: string | null;
}

class Unknown extends Error {}

/**
 * Parses a git config file the way git does (sections `[a "b"]` and `[a.b]`, keys, quoted values, the escapes
 * \\ \" \n \t \b, continuation lines, # and ; comments). Undefined for anything git would reject or that this
 * reader does not know. Pure.
 */
export function parseGitConfig(text: string): GitConfigEntry[] | undefined {
  const entries: GitConfigEntry[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let section: string | null = null;
  let subsection: string | null = null;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\v' || c === '\f';
  const isAlnum = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9]$/.test(c);
  const skipToLineEnd = () => {
    while (i < text.length && text[i] !== '\n') i++;
  };
  try {
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\n' || isSpace(c)) {
        i++;
      } else if (c === '#' || c === ';') {
        skipToLineEnd();
      } else if (c === '[') {
        i++;
        let name = '';
        while (i < text.length && (isAlnum(text[i]) || text[i] === '-' || text[i] === '.')) name += text[i++];
        if (name === '') throw new Unknown();
        if (text[i] === ']') {
          i++;
          // [a.b]: the old form, all lower-cased; the section is the part before the first dot.
          const dot = name.indexOf('.');
          section = (dot === -1 ? name : name.slice(0, dot)).toLowerCase();
          subsection = dot === -1 ? null : name.slice(dot + 1).toLowerCase();
          if (name.startsWith('.') || name.endsWith('.')) throw new Unknown();
        } else {
          if (name.includes('.')) throw new Unknown();
          while (isSpace(text[i])) i++;
          if (text[i] !== '"') throw new Unknown();
          i++;
          let sub = '';
          for (;;) {
            const s = text[i++];
            if (s === undefined || s === '\n') throw new Unknown();
            if (s === '"') break;
            if (s === '\\') {
              const escaped = text[i++];
              if (escaped === undefined || escaped === '\n') throw new Unknown();
              sub += escaped;
            } else {
              sub += s;
            }
          }
          if (text[i] !== ']') throw new Unknown();
          i++;
          section = name.toLowerCase();
          subsection = sub;
        }
      } else if (/^[A-Za-z]$/.test(c)) {
        if (section === null) throw new Unknown();
        let key = '';
        while (i < text.length && (isAlnum(text[i]) || text[i] === '-')) key += text[i++];
        while (isSpace(text[i])) i++;
        let value: string | null = null;
        if (text[i] === '=') {
          i++;
          value = parseValue();
        } else if (i < text.length && text[i] !== '\n' && text[i] !== '#' && text[i] !== ';') {
          throw new Unknown();
        } else {
          skipToLineEnd();
        }
        entries.push({ section, subsection, key: key.toLowerCase(), value });
      } else {
        throw new Unknown();
      }
    }
  } catch (error) {
    if (error instanceof Unknown) return undefined;
    throw error;
  }
  return entries;

  // git's parse_value: leading blanks skipped, inner runs of blanks kept (each as a space), trailing ones
  // dropped, quotes removed, a comment ends an unquoted value.
  function parseValue(): string {
    let value = '';
    let pendingSpaces = 0;
    let quoted = false;
    while (isSpace(text[i])) i++;
    for (;;) {
      const c = text[i++];
      if (c === undefined || c === '\n') {
        if (quoted) throw new Unknown();
        return value;
      }
      if (!quoted && (c === ';' || c === '#')) {
        skipToLineEnd();
        return value;
      }
      if (!quoted && isSpace(c)) {
        if (value !== '') pendingSpaces++;
        continue;
      }
      value += ' '.repeat(pendingSpaces);
      pendingSpaces = 0;
      if (c === '\\') {
        const escaped = text[i++];
        if (escaped === '\n') continue;
        if (escaped === 'n') value += '\n';
        else if (escaped === 't') value += '\t';
        else if (escaped === 'b') value += '\b';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Unknown();
      } else if (c === '"') {
        quoted = !quoted;
      } else {
        value += c;
      }
    }
  }
}

/** A config file's entries; [] when it does not exist; undefined when it cannot be read or parsed. */
function readConfigFile(path: string): GitConfigEntry[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? [] : undefined;
  }
  const entries = parseGitConfig(text);
  // An include may set anything, anywhere: git reads those.
  return entries?.some((entry) => entry.section === 'include' || entry.section === 'includeif') ? undefined : entries;
}

/** git's boolean environment values; undefined for one git would refuse. */
function parseEnvBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return false;
  const lower = value.toLowerCase();
  if (['true', 'yes', 'on'].includes(lower)) return true;
  if (['false', 'no', 'off'].includes(lower)) return false;
  return /^-?\d+$/.test(value) ? Number(value) !== 0 : undefined;
}

/** The system and global config files git reads before the repository's, in git's order. */
function getOuterConfigPaths(env: NodeJS.ProcessEnv): string[] | undefined {
  const paths: string[] = [];
  const noSystem = parseEnvBoolean(env.GIT_CONFIG_NOSYSTEM);
  if (noSystem === undefined) return undefined;
  // A variable set to '' names no file: git reads nothing there.
  const system = env.GIT_CONFIG_SYSTEM ?? DEFAULT_SYSTEM_CONFIG;
  if (!noSystem && system !== '') paths.push(system);
  if (env.GIT_CONFIG_GLOBAL !== undefined) {
    if (env.GIT_CONFIG_GLOBAL !== '') paths.push(env.GIT_CONFIG_GLOBAL);
  } else {
    const home = env.HOME;
    // Spelt as git spells them ("$HOME/.gitconfig"): an empty HOME means the root, not the cwd.
    const xdg = env.XDG_CONFIG_HOME ? `${env.XDG_CONFIG_HOME}/git/config` : home !== undefined ? `${home}/.config/git/config` : undefined;
    if (xdg !== undefined) paths.push(xdg);
    if (home !== undefined) paths.push(`${home}/.gitconfig`);
  }
  return paths;
}

function getLastValue(entries: readonly GitConfigEntry[], section: string, subsection: string | null, key: string): GitConfigEntry | undefined {
  for (let index = entries.length - 1; index >= 0; index--) {
    const entry = entries[index]!;
    if (entry.section === section && entry.subsection === subsection && entry.key === key) return entry;
  }
  return undefined;
}

function statOrUndefined(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch {
    return undefined;
  }
}

/** git's validate_headref: a HEAD file naming a ref or holding an object id. */
function hasValidHead(gitDir: string): boolean {
  try {
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    return head.startsWith('ref: refs/') || /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(head);
  } catch {
    return false;
  }
}

function hasObjectsAndRefs(path: string): boolean {
  return statOrUndefined(join(path, 'objects'), true)?.isDirectory() === true && statOrUndefined(join(path, 'refs'), true)?.isDirectory() === true;
}

/** git's is_git_directory for a git dir without a commondir file: HEAD, objects/ and refs/. */
function isPlainGitDir(path: string): boolean {
  return hasValidHead(path) && hasObjectsAndRefs(path);
}

/** Owned by this user, as git's safe.directory check wants (root under sudo is compared with SUDO_UID by git). */
function isOwnedByMe(stat: Stats, env: NodeJS.ProcessEnv): boolean {
  const uid = process.geteuid?.();
  if (uid === undefined || (uid === 0 && env.SUDO_UID !== undefined)) return false;
  return stat.uid === uid;
}

/**
 * The repository around `cwd` and its origin URL, as git would report them, from the files alone; null when git
 * would find none (the walk reached / with nothing unusual on the way); undefined whenever git should be asked
 * instead (see the header). Never throws.
 */
export function discoverRepo(cwd: string, env: NodeJS.ProcessEnv = process.env): DiscoveredRepo | null | undefined {
  try {
    return discover(cwd, env);
  } catch {
    return undefined;
  }
}

function discover(cwd: string, env: NodeJS.ProcessEnv): DiscoveredRepo | null | undefined {
  if (GIT_DISCOVERY_VARIABLES.some((name) => env[name] !== undefined && env[name] !== '')) return undefined;
  // git works in the physical directory (its getcwd()).
  const start = realpathSync(cwd);
  const device = statSync(start).dev;
  let dir = start;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const dirStat = statSync(dir);
    // git stops at a filesystem boundary (without GIT_DISCOVERY_ACROSS_FILESYSTEM) and says so.
    if (dirStat.dev !== device) return undefined;
    const dotGit = join(dir, '.git');
    const entry = statOrUndefined(dotGit, false);
    if (entry !== undefined) return readCheckout(start, dir, dotGit, entry, dirStat, env);
    // A git dir itself (a bare repository, or inside .git): no work tree, and git says so.
    if (statOrUndefined(join(dir, 'HEAD'), false) !== undefined && isPlainGitDir(dir)) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
  return undefined;
}

function readCheckout(start: string, topLevel: string, dotGit: string, entry: Stats, topStat: Stats, env: NodeJS.ProcessEnv): DiscoveredRepo | undefined {
  if (!isOwnedByMe(topStat, env) || !isOwnedByMe(entry, env)) return undefined;
  let gitDir: string;
  let commonDir: string;
  let viaGitfile: boolean;
  if (entry.isDirectory()) {
    // A main checkout. A .git that has a commondir, or is not a git dir (git would look further up), is git's.
    if (statOrUndefined(join(dotGit, 'commondir'), false) !== undefined || !isPlainGitDir(dotGit)) return undefined;
    gitDir = dotGit;
    commonDir = dotGit;
    viaGitfile = false;
  } else if (entry.isFile()) {
    // A gitfile: a linked worktree (its git dir has a commondir) or a submodule's checkout.
    // git's read_gitfile: "gitdir: <path>", only trailing line ends dropped; relative to the file's directory.
    const text = readFileSync(dotGit, 'utf8');
    const path = text.startsWith('gitdir: ') ? text.slice('gitdir: '.length).replace(/[\r\n]+$/, '') : '';
    if (path === '' || /[\r\n]/.test(path)) return undefined;
    gitDir = realpathSync(resolve(topLevel, path));
    if (!hasValidHead(gitDir)) return undefined;
    let common: string | undefined;
    try {
      common = readFileSync(join(gitDir, 'commondir'), 'utf8').replace(/[\r\n]+$/, '');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    commonDir = common === undefined ? gitDir : realpathSync(resolve(gitDir, common));
    // is_git_directory: objects/ and refs/ live in the common dir.
    if (!hasObjectsAndRefs(commonDir)) return undefined;
    viaGitfile = true;
  } else {
    return undefined;
  }
  const gitDirStat = statOrUndefined(gitDir, true);
  if (!gitDirStat?.isDirectory() || !isOwnedByMe(gitDirStat, env)) return undefined;
  const local = readConfigFile(join(commonDir, 'config'));
  if (local === undefined) return undefined;
  // What makes git's answer other than the layout's: another work tree, no work tree, a repository extension.
  if (getLastValue(local, 'core', null, 'worktree') !== undefined || local.some((e) => e.section === 'extensions')) return undefined;
  const bare = getLastValue(local, 'core', null, 'bare');
  if (bare !== undefined && bare.value !== 'false') return undefined;
  let origin = getLastValue(local, 'remote', 'origin', 'url');
  if (origin === undefined) {
    // The repository's config is read last, so only without a value there do the outer files decide.
    const paths = getOuterConfigPaths(env);
    if (paths === undefined) return undefined;
    for (const path of paths) {
      const entries = readConfigFile(path);
      if (entries === undefined) return undefined;
      origin = getLastValue(entries, 'remote', 'origin', 'url') ?? origin;
    }
  }
  if (origin !== undefined && origin.value === null) return undefined;
  return {
    topLevel,
    gitDir,
    // git prints a main checkout's common dir relative to the cwd it runs in, one found through a gitfile as an absolute path.
    rawCommonDir: viaGitfile ? commonDir : relative(start, commonDir) || '.',
    originUrl: origin?.value ?? undefined,
  };
}
