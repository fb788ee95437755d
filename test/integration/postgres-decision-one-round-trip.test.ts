/**
 * Round trips of one hook decision on the PostgreSQL store, counted at the driver (every statement it sends,
 * BEGIN and COMMIT included).
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/core/store/postgres.js';
import { handleHook } from '../../src/hooks/handlers.js';
import { useBackend } from '../helpers/backends.js';
import { createTab } from '../helpers/hooks.js';
import { createScenario, type Scenario } from '../helpers/scenario.js';

describe('a decision on PostgreSQL', () => {
  let s: Scenario;
  let store: PostgresStore | undefined;
  const sent: string[] = [];
  beforeEach(() => {
    s = createScenario();
    useBackend(s, 'postgres');
  });
  afterEach(async () => {
    await store?.close();
    s.cleanup();
  });

  it('counts', async () => {
    const a = JSON.parse((await s.cwt(['new', 'feat/a', '--no-launch', '--json'])).stdout) as { id: string; worktree: string };
    const b = JSON.parse((await s.cwt(['new', 'feat/b', '--no-launch', '--json'])).stdout) as { id: string; worktree: string };
    await createTab('tab-b', b.worktree, s.env).write(join(b.worktree, 'src', 'x.ts'));
    store = new PostgresStore(s.env.CWT_STORE!, { onQuery: (text) => sent.push(text) });
    const input = (id: string) => ({ session_id: 'c-a', cwd: a.worktree, tool_use_id: id, tool_name: 'Write', tool_input: { file_path: join(a.worktree, 'src', 'x.ts'), content: 'x' } });
    for (const [event, decider, dedupe] of [['pre-tool-use', 'supervisor', false], ['pre-tool-use', 'fastpath', true], ['post-tool-use', 'fastpath', true]] as const) {
      for (let i = 0; i < 3; i++) {
        sent.length = 0;
        const out = await handleHook(event, input(`toolu_${event}_${decider}_${i}`), { store, env: s.env, sessionId: decider === 'supervisor' ? a.id : undefined, decider, dedupe });
        console.log(event, decider, i, sent.length, JSON.stringify(out)?.slice(0, 80));
        if (i === 2) console.log(sent.map((t) => t.replace(/\s+/g, ' ').slice(0, 110)).join('\n'));
      }
    }
    expect(sent.length).toBeGreaterThan(0);
  });
});
