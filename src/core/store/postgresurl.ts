/**
 * The PostgreSQL store's URL and errors as the user sees them, without the driver: the top-level error report
 * names an unreachable store from here, on every command's path, where loading `postgres` would cost.
 */
import { UsageError } from '../util/errors.js';
import { MESSAGES } from '../../texts/messages.js';

/** A driver or server error as one line: its code and message (never the URL, which may hold a password). */
export function describeError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(': ') || String(error);
}

export const DEFAULT_POSTGRES_SCHEMA = 'cwt';
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresTarget {
  /** The URL without cwt's own `schema` parameter. */
  url: string;
  schema: string;
  /** The URL as messages may show it: no password, no query. */
  redacted: string;
}

/**
 * Splits cwt's `schema` parameter off a store URL and validates it. A malformed URL, one without a host (unless
 * PGHOST names one, as the driver would use), or a bad schema name is a usage error saying which.
 */
export function parsePostgresUrl(value: string, env: NodeJS.ProcessEnv = process.env): PostgresTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(MESSAGES.storeUrlMalformed, { hint: MESSAGES.storeUrlHint });
  }
  // Without a host the driver silently tries PGHOST, then localhost: for `postgres://` that is a typo.
  if (url.hostname === '' && !env.PGHOST) throw new UsageError(MESSAGES.storeUrlNoHost, { hint: MESSAGES.storeUrlHint });
  const schema = url.searchParams.get('schema') ?? DEFAULT_POSTGRES_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) throw new UsageError(MESSAGES.storeUrlBadSchema(schema), { hint: MESSAGES.storeUrlHint });
  url.searchParams.delete('schema');
  const redacted = `${url.protocol}//${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.host}${url.pathname}`;
  return { url: url.toString(), schema, redacted: schema === DEFAULT_POSTGRES_SCHEMA ? redacted : `${redacted}?schema=${schema}` };
}

/** Error codes of a server that is down, restarting or unreachable (the driver's, the socket's, the server's). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03']);

/** True for an error saying the database server cannot be reached (as opposed to one about a statement). */
export function isServerUnreachableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}
