/**
 * `cwt kv get|set|cas|ls|rm`: scoped shared state with versions. `cas` (or `set --expect`) writes only if the
 * key is still at the version the caller read, so two sessions racing for `issue:15 owner` get one winner.
 */
import { deleteScope, deleteValue, listScopes, parseValueArgument, retrieveValues, storeValue, toKvView } from '../core/coordination/kv.js';
import { formatAgo } from '../core/util/duration.js';
import { UsageError } from '../core/util/errors.js';
import { findCurrentSession, getProcessClues } from '../core/sessions/sessions.js';
import { openStore } from '../core/store/open.js';
import type { Store } from '../core/store/store.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';
import { renderTable } from '../ui/table.js';

export type KvAction = 'get' | 'set' | 'cas' | 'ls' | 'rm';

export interface KvOptions {
  action: KvAction;
  /** get/set/cas/rm: scope, key, value; ls: an optional glob. */
  args: string[];
  /** Compare-and-set: the version the key must still have (0: absent). */
  expect?: string;
  /** Store the value as a string even when it parses as JSON. */
  string?: boolean;
  all?: boolean;
  json?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
}

function parseExpect(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(MESSAGES.kvBadVersion(text), { hint: MESSAGES.kvBadVersionHint });
  return Number(text);
}

async function run(store: Store, options: KvOptions, output: Output, session: string | null): Promise<number> {
  const [scope, key, value] = options.args;
  const expectVersion = parseExpect(options.expect);
  switch (options.action) {
    case 'get': {
      const records = await retrieveValues(store, scope!, key);
      if (options.json) printJson(output, key === undefined ? records.map(toKvView) : (records[0] && toKvView(records[0])) ?? null);
      else if (records.length === 0) output.stderr(key === undefined ? MESSAGES.kvScopeEmpty(scope!) : MESSAGES.kvNotFound(scope!, key));
      // One key: the bare value, for $(cwt kv get …); a scope: key = value lines.
      else if (key !== undefined) output.stdout(typeof records[0]!.value === 'string' ? records[0]!.value : JSON.stringify(records[0]!.value));
      else for (const record of records) output.stdout(`${record.key} = ${JSON.stringify(record.value)}`);
      // A missing key is exit 1, so a script can branch on it.
      return records.length === 0 ? 1 : 0;
    }
    case 'set':
    case 'cas': {
      if (options.action === 'cas' && expectVersion === undefined) throw new UsageError(MESSAGES.kvCasNeedsExpect, { hint: MESSAGES.kvCasNeedsExpectHint });
      const record = await storeValue(store, { session }, { scope: scope!, key: key!, value: parseValueArgument(value!, options.string), expectVersion });
      if (options.json) printJson(output, toKvView(record));
      else output.stdout(MESSAGES.kvWritten(record));
      return 0;
    }
    case 'ls': {
      const scopes = await listScopes(store, scope);
      if (options.json) printJson(output, scopes.map((summary) => ({ ...summary, updatedAt: new Date(summary.updatedAt).toISOString() })));
      else if (scopes.length === 0) output.stdout(MESSAGES.kvNoScopes);
      else output.stdout(renderTable(['SCOPE', 'KEYS', 'UPDATED'], scopes.map((s) => [s.scope, String(s.keys), formatAgo(Date.now() - s.updatedAt)])));
      return 0;
    }
    case 'rm': {
      if (key === undefined) {
        if (!options.all) throw new UsageError(MESSAGES.kvRmNeedsKey, { hint: MESSAGES.kvRmNeedsKeyHint });
        const count = await deleteScope(store, { session }, scope!);
        if (options.json) printJson(output, { scope, deleted: count });
        else output.stdout(MESSAGES.kvScopeDeleted(scope!, count));
        return 0;
      }
      const deleted = await deleteValue(store, { session }, scope!, key, expectVersion);
      if (options.json) printJson(output, { scope, key, deleted: deleted !== undefined });
      else output.stdout(deleted ? MESSAGES.kvDeleted(scope!, key) : MESSAGES.kvNotFound(scope!, key));
      return 0;
    }
  }
}

/** Positional counts per action: [min, max]. */
export const KV_ARITY: Record<KvAction, [number, number]> = { get: [1, 2], set: [3, 3], cas: [3, 3], ls: [0, 1], rm: [1, 2] };

export async function runKv(options: KvOptions): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const output = options.output ?? createProcessOutput();
  const store = await openStore(env);
  try {
    const session = (await findCurrentSession(store, getProcessClues(env, cwd)))?.id ?? null;
    return await run(store, options, output, session);
  } finally {
    await store.close();
  }
}
