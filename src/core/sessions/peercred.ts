/**
 * Who is on the other end of a loopback TCP connection, on Linux: the kernel lists every socket in
 * /proc/net/tcp and /proc/net/tcp6 with the uid that owns it. The caller's socket is the one whose local port
 * is the connection's remote port and whose remote port is ours, both ends on loopback.
 */
import { readFileSync } from 'node:fs';

const LOOPBACK_V4 = '0100007F';
const LOOPBACK_V6 = ['00000000000000000000000001000000', '0000000000000000FFFF00000100007F'];

function isLoopback(hex: string): boolean {
  return hex === LOOPBACK_V4 || LOOPBACK_V6.includes(hex);
}

const toPortHex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');

/**
 * The uid owning the socket `127.0.0.1:<clientPort>` connected to `127.0.0.1:<serverPort>`, in the text of a
 * /proc/net/tcp* file; undefined when no such line is there. Pure.
 */
export function findPeerUid(table: string, clientPort: number, serverPort: number): number | undefined {
  const local = toPortHex(clientPort);
  const remote = toPortHex(serverPort);
  for (const line of table.split('\n')) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [localAddress, localPort] = fields[1]!.split(':');
    const [remoteAddress, remotePort] = fields[2]!.split(':');
    if (localPort !== local || remotePort !== remote || !isLoopback(localAddress!) || !isLoopback(remoteAddress!)) continue;
    const uid = Number(fields[7]);
    if (Number.isInteger(uid)) return uid;
  }
  return undefined;
}

const LISTEN = '0A';
const ANY = ['00000000', '00000000000000000000000000000000'];

/** The uid owning a socket that listens on `port` of loopback or of every address, in a /proc/net/tcp* text. Pure. */
export function findListenerUid(table: string, port: number): number | undefined {
  const local = toPortHex(port);
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== LISTEN) continue;
    const [address, localPort] = fields[1]!.split(':');
    if (localPort !== local || !(isLoopback(address!) || ANY.includes(address!))) continue;
    const uid = Number(fields[7]);
    if (Number.isInteger(uid)) return uid;
  }
  return undefined;
}

function searchTables<T>(find: (table: string) => T | undefined): T | undefined {
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let table: string;
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const found = find(table);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The uid of the process that owns the client end of this loopback connection; undefined when unknown. */
export function getPeerUid(clientPort: number, serverPort: number): number | undefined {
  return searchTables((table) => findPeerUid(table, clientPort, serverPort));
}

/** The uid of whoever listens on this loopback port; undefined when nobody does (or off Linux). */
export function getListenerUid(port: number): number | undefined {
  return searchTables((table) => findListenerUid(table, port));
}
