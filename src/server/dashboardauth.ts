/**
 * Who may read the dashboard: a request to 127.0.0.1 or localhost on the dashboard's own port (any other Host
 * header is a DNS-rebinding attempt: a page of another site whose name now points here), carrying the token
 * printed at start. The token comes once as `?token=` (the URL cwt prints), is swapped for an HttpOnly,
 * SameSite=Strict cookie, and may also be sent as `Authorization: Bearer <token>`. Compared in constant time.
 * Pure, except for the token's randomness.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe. */
export function createDashboardToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The cookie's name: one per port, since cookies do not tell ports apart and two dashboards may run. */
export function getCookieName(port: number): string {
  return `cwt_dashboard_${port}`;
}

/** True only for `127.0.0.1:<port>` and `localhost:<port>` (case-insensitive name, exact port). */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const lower = host.toLowerCase();
  return lower === `127.0.0.1:${port}` || lower === `localhost:${port}`;
}

/** Constant time whatever the lengths: both sides are hashed first, then compared with timingSafeEqual. */
export function isTokenEqual(given: string | undefined, token: string): boolean {
  if (given === undefined || given === '') return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** One cookie's value from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

export interface DashboardRequest {
  host: string | undefined;
  /** The request target (path and query). */
  url: string;
  cookie: string | undefined;
  authorization: string | undefined;
}

export type AuthDecision =
  /** Serve it. */
  | { kind: 'ok' }
  /** The token came in the query: set the cookie and redirect to the same path without it. */
  | { kind: 'login'; location: string; cookie: string }
  /** A Host that is not this dashboard's. */
  | { kind: 'bad-host' }
  /** No token, or a wrong one. */
  | { kind: 'unauthorized' };

/** Decides one request. */
export function authorizeRequest(request: DashboardRequest, server: { token: string; port: number }): AuthDecision {
  if (!isAllowedHost(request.host, server.port)) return { kind: 'bad-host' };
  const url = new URL(request.url, `http://127.0.0.1:${server.port}`);
  const queryToken = url.searchParams.get('token');
  if (queryToken !== null) {
    if (!isTokenEqual(queryToken, server.token)) return { kind: 'unauthorized' };
    url.searchParams.delete('token');
    const location = `${url.pathname}${url.search}`;
    return { kind: 'login', location, cookie: `${getCookieName(server.port)}=${server.token}; HttpOnly; SameSite=Strict; Path=/` };
  }
  const bearer = request.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (isTokenEqual(bearer, server.token) || isTokenEqual(readCookie(request.cookie, getCookieName(server.port)), server.token)) return { kind: 'ok' };
  return { kind: 'unauthorized' };
}
