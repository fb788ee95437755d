/**
 * `cwt doctor`: a healthy set-up exits 0; missing git hooks, a stale session, a commit no session made, a live
 * sentinel and a loose state directory are each reported with the command that fixes it (exit 1), and
 * doctor itself changes nothing.
 */
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLAUDE_CODE_RANGE } from '../../src/core/harness/claudecode.js';
import { SqliteStore } from '../../src/core/store/sqlite.js';
import { SQLITE_MIGRATIONS } from '../../src/core/store/migrations.js';
import { POSTGRES_MIGRATIONS } from '../../src/core/store/postgresmigrations.js';
import { createPostgresStoreUrl } from '../helpers/backends.js';
import { runGit } from '../helpers/commit.js';
import { writeFile } from '../helpers/git.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

interface DoctorJson {
  warnings: number;
  findings: Array<{ id: string; severity: string; message: string; fix?: string }>;
}

describe('cwt doctor', () => {
  let s: Scenario;
  beforeEach(() => {
    s = createScenario();
  });
  afterEach(() => s.cleanup());

  async function doctor(): Promise<{ code: number | null; report: DoctorJson }> {
    const result = await s.cwt(['doctor', '--json']);
    return { code: result.code, report: JSON.parse(result.stdout) as DoctorJson };
  }
  const warned = (report: DoctorJson) => report.findings.filter((finding) => finding.severity === 'warn');

  it.each([
    ['older than the tested range', '2.1.100', 'warn'],
    ['the oldest end of the range', CLAUDE_CODE_RANGE.oldest, 'ok'],
    ['the newest end of the range', CLAUDE_CODE_RANGE.newest, 'ok'],
    ['newer than the tested range', '2.2.0', 'warn'],
  ])('a claude %s (%s) is reported as %s', async (_, version, severity) => {
    const result = await s.cwt(['doctor', '--json'], { env: { ...s.env, FAKE_AGENT_VERSION: version } });
    const report = JSON.parse(result.stdout) as DoctorJson;
    const finding = report.findings.find((candidate) => candidate.id === 'claude-version')!;
    expect(finding).toMatchObject({ severity, message: expect.stringContaining(version) });
    expect(finding.message).toContain(`${CLAUDE_CODE_RANGE.oldest} to ${CLAUDE_CODE_RANGE.newest}`);
    if (severity === 'warn') {
      expect(result.code).toBe(1);
      expect(finding.fix).toContain(`@anthropic-ai/claude-code@${CLAUDE_CODE_RANGE.newest}`);
      // The text report has the WARN line too.
      const text = await s.cwt(['doctor'], { env: { ...s.env, FAKE_AGENT_VERSION: version } });
      expect(text.stdout).toMatch(new RegExp(`WARN.*Claude Code ${version.replaceAll('.', '\\.')} is (older|newer) than the range`));
    }
  });

  it('names the store in use, that it answers, its schema version and size; an unreachable one is a WARN without the password', async () => {
    const sqlite = await doctor();
    const store = sqlite.report.findings.find((finding) => finding.id === 'store')!;
    expect(store.severity).toBe('ok');
    expect(store.message).toMatch(new RegExp(`^state store: SQLite file ${join(s.cwtHome, 'state.db').replaceAll('/', '\\/')}, reachable, schema version ${SQLITE_MIGRATIONS.length}, [\\d.]+ (kB|MB)$`));

    const url = new URL(createPostgresStoreUrl());
    const postgres = JSON.parse((await s.cwt(['doctor', '--json'], { env: { ...s.env, CWT_STORE: url.toString() } })).stdout) as DoctorJson;
    const shared = postgres.findings.find((finding) => finding.id === 'store')!;
    expect(shared.severity).toBe('ok');
    expect(shared.message).toContain(`PostgreSQL postgres://`);
    expect(shared.message).toContain(`schema version ${POSTGRES_MIGRATIONS.length}`);

    const unreachable = await s.cwt(['doctor', '--json'], { env: { ...s.env, CWT_STORE: 'postgres://cwt:s3cret-pw@127.0.0.1:1/cwt' } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout + unreachable.stderr).not.toContain('s3cret-pw');
    const down = (JSON.parse(unreachable.stdout) as DoctorJson).findings.find((finding) => finding.id === 'store')!;
    expect(down).toMatchObject({ severity: 'warn', message: expect.stringContaining('127.0.0.1:1') });
  });

  it('says nothing needs action on a healthy set-up, and names each problem with its fix', async () => {
    const created = await s.cwt(['new', 'feat', '--no-launch']);
    expect(created.code, created.stderr).toBe(0);
    const worktree = created.stdout.trim();
    const healthy = await doctor();
    expect(warned(healthy.report)).toEqual([]);
    expect(healthy.code).toBe(0);
    expect(healthy.report.findings.map((finding) => finding.id)).toEqual(expect.arrayContaining(['git', 'agent', 'state-modes', 'sessions', 'git-hooks', 'claude-hooks']));

    // A commit made where the hooks do not run, the hooks gone, a stale session, a sentinel, a loose state dir.
    writeFile(worktree, 'x.txt', 'x\n');
    expect(runGit(worktree, ['add', 'x.txt'], s.env).code).toBe(0);
    expect(runGit(worktree, ['-c', 'core.hooksPath=/nonexistent', 'commit', '-q', '-m', 'made without hooks'], s.env).code).toBe(0);
    expect((await s.cwt(['install', '--git-hooks', '--uninstall'])).code).toBe(0);
    const store = new SqliteStore(s.cwtHome);
    const [session] = await store.listSessions();
    await store.updateSession(session!.id, { heartbeatAt: Date.now() - 3_600_000, pid: null });
    await store.close();
    writeFileSync(join(s.repo, 'ACTIVE-SESSION.md'), `---\nsession_id: deploy-fixer\nstarted_at: ${new Date().toISOString()}\ncommand: ./deploy.sh\n---\n`);
    chmodSync(s.cwtHome, 0o755);

    const before = readdirSync(s.cwtHome).map((name) => [name, statSync(join(s.cwtHome, name)).mtimeMs]);
    const sick = await doctor();
    expect(sick.code).toBe(1);
    const byId = Object.fromEntries(warned(sick.report).map((finding) => [finding.id, finding]));
    expect(Object.keys(byId).sort()).toEqual(['git-hooks', 'sentinel', 'stale-session', 'state-modes', 'unknown-commits']);
    expect(byId['git-hooks']!.fix).toBe('cwt install --git-hooks');
    expect(byId['stale-session']!.fix).toContain(`cwt attach ${session!.id}`);
    expect(byId['unknown-commits']!.message).toContain('made without hooks');
    expect(byId['sentinel']!.message).toContain('deploy-fixer');
    expect(byId['state-modes']!.fix).toBe(`chmod 700 '${s.cwtHome}'`);
    expect(sick.report.warnings).toBe(5);
    // Read-only: no file of the state dir changed. (Opening the store tightens the directory to 0700, as
    // every cwt command does, so its mode is the one thing that differs afterwards.)
    expect(readdirSync(s.cwtHome).map((name) => [name, statSync(join(s.cwtHome, name)).mtimeMs])).toEqual(before);
    expect(statSync(s.cwtHome).mode & 0o777).toBe(0o700);

    const text = await s.cwt(['doctor']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('WARN  ');
    expect(text.stdout).toContain('      fix: cwt install --git-hooks');
    expect(text.stdout).toContain('4 findings need action (exit 1)'); // the directory mode was repaired meanwhile
  });
});
