/**
 * Claude Code's side of things: where its home and a repository's memory live, the settings cwt passes with
 * `--settings`, and the per-worktree CLAUDE.local.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from './errors.js';

export const CLAUDE_LOCAL_MD = 'CLAUDE.local.md';

/**
 * Claude Code's project key: the path with every non-alphanumeric character replaced by `-`
 * (`/home/me/src/app` -> `-home-me-src-app`).
 */
export function toProjectKey(path: string): string {
  return path.replace(/[^A-Za-z0-9]/g, '-');
}

/** The directory holding a repository's Claude Code project data (transcripts, memory). */
export function getProjectDir(claudeHome: string, mainWorktree: string): string {
  return join(claudeHome, 'projects', toProjectKey(mainWorktree));
}

/** Canonical auto memory: what every worktree of the repository shares by default. */
export function getCanonicalMemoryDir(claudeHome: string, mainWorktree: string): string {
  return join(getProjectDir(claudeHome, mainWorktree), 'memory');
}

/** Where session namespaces live: beside canonical memory, never inside it. */
export function getNamespaceRoot(claudeHome: string, mainWorktree: string): string {
  return join(getProjectDir(claudeHome, mainWorktree), 'cwt-memory');
}

/** The settings passed to the agent with `--settings`: highest precedence below managed policy. */
export function buildSessionSettings(options: { memoryDir: string }): Record<string, unknown> {
  return { autoMemoryDirectory: options.memoryDir };
}

function resolveTemplatesDir(): string {
  // From dist/<chunk>.js the templates are at ../templates; from src/core/*.ts (tests) at ../../templates.
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes(`${join('src', 'core')}`) ? join(here, '..', '..', 'templates') : join(here, '..', 'templates');
}

/** Reads a file from templates/. */
export function readTemplate(name: string): string {
  return readFileSync(join(resolveTemplatesDir(), name), 'utf8');
}

/** Fills `{{name}}` placeholders; a placeholder with no value is a bug, not an empty string. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new InternalError(`template placeholder {{${key}}} has no value`);
    return value;
  });
}
