import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { claudePrintArgs, e2eEnv, startClaude } from '../helpers/claude.js';
import { runCwt } from '../helpers/cli.js';
import { createSandbox } from '../helpers/env.js';
import { createFakeApi, holdTurn } from '../helpers/fake-api.js';
import { createRepo } from '../helpers/git.js';

it('scratch stale', async () => {
  const sb = createSandbox('cwt-scratch-');
  const repo = createRepo(join(sb.root, 'repo'));
  const index = join(sb.claudeHome, 'skills', '_index.md');
  mkdirSync(join(sb.claudeHome, 'skills'), { recursive: true });
  writeFileSync(index, '# Skills\n- [a](a/SKILL.md)\n');
  const held = holdTurn({ type: 'tool_use', name: 'Write', id: 'toolu_w', input: { file_path: index, content: '# Skills\n- [b](b/SKILL.md)\n' } });
  const fake = createFakeApi({ script: [{ type: 'tool_use', name: 'Read', id: 'toolu_r', input: { file_path: index } }, held.turn, { type: 'text', text: 'end' }] });
  await fake.start();
  const env = e2eEnv(sb, fake);
  const inst = await runCwt(['install'], { cwd: repo, env });
  console.log('install', inst.code, inst.stdout, inst.stderr);
  console.log(readFileSync(join(repo, '.claude/settings.local.json'), 'utf8'));
  const t0 = Date.now();
  const tab = startClaude(claudePrintArgs('go'), { cwd: repo, env });
  await held.arrived;
  console.log('arrived after', Date.now() - t0);
  const app = await runCwt(['append', index, '- [x](x/SKILL.md)'], { cwd: repo, env });
  console.log('append', app.code, app.stderr);
  held.release();
  const r = await tab.result;
  console.log('done after', Date.now() - t0, r.code, r.stderr);
  for (const req of fake.mainRequests()) {
    const last = (req.body as any).messages.at(-1);
    console.log(JSON.stringify(last).slice(0, 1500));
  }
  console.log(readFileSync(index, 'utf8'));
  const log = join(sb.cwtHome, 'hook-errors.log');
  if (existsSync(log)) console.log('LOG', readFileSync(log, 'utf8'));
  const who = await runCwt(['status', '--all', '--json'], { cwd: repo, env });
  console.log(who.stdout);
  await fake.close();
  sb.cleanup();
}, 120_000);
