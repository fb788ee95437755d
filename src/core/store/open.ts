import { resolveCwtHome } from '../paths.js';
import type { Store } from './store.js';

/** Opens the user's store. The SQLite implementation (and its native module) loads only here. */
export async function openStore(env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const { SqliteStore } = await import('./sqlite.js');
  return new SqliteStore(resolveCwtHome(env));
}
