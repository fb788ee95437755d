/**
 * Scoped shared state: values under `<scope>` / `<key>` (scopes such as `session:<id>`, `issue:<n>`,
 * `project:<name>`), each with a version that grows with every write, so a compare-and-set has exactly one
 * winner. The operations the CLI (`cwt kv`) and the MCP tools share; errors say what to do next.
 */
import { ConflictError, UsageError } from '../util/errors.js';
import type { KvRecord, KvScopeSummary, Store } from '../store/store.js';
import { MESSAGES } from '../../texts/messages.js';

const MAX_NAME_LENGTH = 200;
/** Values are meant for coordination, not for files: 64 KiB of JSON at most (kv values, task data and results). */
export const MAX_VALUE_BYTES = 64 * 1024;

/** Refuses a JSON value past MAX_VALUE_BYTES (a kv value, a task's data or result), naming which it was. */
export function assertValueFits(value: unknown, what: 'value' | 'task data' | 'task result'): void {
  const bytes = Buffer.byteLength(JSON.stringify(value ?? null));
  if (bytes > MAX_VALUE_BYTES) throw new UsageError(MESSAGES.valueTooBig(what, bytes, MAX_VALUE_BYTES), { hint: MESSAGES.valueTooBigHint });
}

/** Refuses empty, overlong or control-character scope and key names (they end up in logs and terminals). */
export function assertKvName(what: 'scope' | 'key', name: string): void {
  // eslint-disable-next-line no-control-regex
  if (name === '' || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new UsageError(MESSAGES.kvBadName(what, name), { hint: MESSAGES.kvBadNameHint });
  }
}

/**
 * What a value typed on a command line means: JSON when it parses as JSON (`42`, `true`, `{"a":1}`,
 * `"text"`), otherwise the text itself. Pure.
 */
export function parseValueArgument(text: string, asString = false): unknown {
  if (asString) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * A glob over scope names: `*` any run of characters, `?` one character, everything else literal. Pure.
 * Two pointers with one saved star, never a regex: a backtracking regex needs exponential time for patterns
 * such as `*a*a*a*a*a*a*a*a*b`, and the pattern comes from a model (MCP list_scopes). This is O(n·m) at worst.
 */
export function matchesGlob(name: string, glob: string): boolean {
  // By code point, so `?` is one character even outside the BMP.
  const text = Array.from(name);
  const pattern = Array.from(glob);
  let t = 0;
  let p = 0;
  // Where the last `*` was, and where in the text its match currently ends.
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === text[t]))) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star !== -1) {
      // Let the last star swallow one more character and retry from just after it.
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export interface KvActor {
  /** The cwt session writing, when there is one. */
  session: string | null;
}

/** Stores a value; with `expectVersion` only if the key is still at that version (0: only if absent). */
export async function storeValue(
  store: Store,
  actor: KvActor,
  input: { scope: string; key: string; value: unknown; expectVersion?: number },
): Promise<KvRecord> {
  assertKvName('scope', input.scope);
  assertKvName('key', input.key);
  if (input.expectVersion !== undefined && (!Number.isInteger(input.expectVersion) || input.expectVersion < 0)) {
    throw new UsageError(MESSAGES.kvBadVersion(String(input.expectVersion)), { hint: MESSAGES.kvBadVersionHint });
  }
  assertValueFits(input.value, 'value');
  const result = await store.setData({ ...input, session: actor.session, now: Date.now() });
  if (!result.ok) throw createVersionConflict(input.scope, input.key, input.expectVersion!, result.current);
  return result.record;
}

export function createVersionConflict(scope: string, key: string, expected: number, current: KvRecord | undefined): ConflictError {
  return new ConflictError(MESSAGES.kvVersionConflict(scope, key, expected, current), { hint: MESSAGES.kvVersionConflictHint(scope, key) });
}

/** One value, or every value of the scope when `key` is undefined. */
export async function retrieveValues(store: Store, scope: string, key?: string): Promise<KvRecord[]> {
  assertKvName('scope', scope);
  if (key === undefined) return store.listData(scope);
  assertKvName('key', key);
  const record = await store.getData(scope, key);
  return record ? [record] : [];
}

/** The scopes holding values, those matching `glob` when given. */
export async function listScopes(store: Store, glob?: string): Promise<KvScopeSummary[]> {
  const scopes = await store.listScopes();
  return glob === undefined ? scopes : scopes.filter((summary) => matchesGlob(summary.scope, glob));
}

/** Deletes one key (compare-and-set with `expectVersion`); returns what was deleted, undefined when absent. */
export async function deleteValue(store: Store, actor: KvActor, scope: string, key: string, expectVersion?: number): Promise<KvRecord | undefined> {
  assertKvName('scope', scope);
  assertKvName('key', key);
  const result = await store.deleteData(scope, key, { expectVersion, session: actor.session, now: Date.now() });
  if (result.ok) return result.record;
  // Absent: nothing to delete, unless the caller expected a version to be there.
  if (expectVersion !== undefined && (result.current !== undefined || expectVersion !== 0)) throw createVersionConflict(scope, key, expectVersion, result.current);
  return undefined;
}

/** Deletes every key of a scope; returns how many there were. */
export async function deleteScope(store: Store, actor: KvActor, scope: string): Promise<number> {
  assertKvName('scope', scope);
  return store.deleteScope(scope, { session: actor.session, now: Date.now() });
}

/** The JSON shape of a value for scripts and the MCP tools. */
export function toKvView(record: KvRecord): Record<string, unknown> {
  return {
    scope: record.scope,
    key: record.key,
    value: record.value,
    version: record.version,
    session: record.session,
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}
