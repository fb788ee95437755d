/**
 * The size cap on what `cwt mcp` reads. MCP over stdio is one JSON-RPC message per line; a transport that
 * buffers a line whole (the MCP SDK's threw past 10 MB and closed the connection, ending the server without a
 * word) must never be handed an unbounded one. This stream sits between stdin and the transport (jsonrpc.ts)
 * and passes whole lines only: a line past
 * the cap is dropped as it arrives (only its first and last bytes are kept, to name its request id), the
 * caller answers it with an error, and the next line goes through.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** The largest message `cwt mcp` reads. Tool arguments are small: a kv value or task data is 64 KiB at most. */
export const MAX_MCP_MESSAGE_BYTES = 1024 * 1024;

/** Bytes kept of each end of a dropped line: enough for `{"jsonrpc":"2.0","id":…` or `…,"id":…}`. */
const KEPT_BYTES = 256;

const ID = String.raw`(-?\d{1,16}|"(?:[^"\\]|\\.){0,200}")`;
/** The id as the first member (after "jsonrpc"), as most clients write a request. */
const LEADING_ID = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID}\s*[,}]`);
/** The id as the last member of the outermost object, as the MCP SDK's client writes it. */
const TRAILING_ID = new RegExp(String.raw`[{,]\s*"id"\s*:\s*${ID}\s*\}\s*$`);

/**
 * The JSON-RPC id of a message known only by its first and last bytes, when it shows as the first or the
 * last member; undefined otherwise (a notification, or an id in the middle). Best effort, by design: the
 * message itself is never parsed. Pure.
 */
export function findRequestId(head: string, tail: string): string | number | undefined {
  const match = LEADING_ID.exec(head) ?? TRAILING_ID.exec(tail);
  return match ? (JSON.parse(match[1]!) as string | number) : undefined;
}

/**
 * A stream of stdin's lines, each one whole, that drops every line longer than `maxBytes` (counting its
 * newline) and reports it with its size and, when it can be told, its request id.
 */
export function createMessageGuard(maxBytes: number, onOversized: (bytes: number, id: string | number | undefined) => void): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // While dropping: how long the line is so far, and its first and last bytes.
  let dropped = -1;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  const keepTail = (piece: Buffer) => {
    tail = Buffer.concat([tail, piece.subarray(Math.max(0, piece.length - KEPT_BYTES))]);
    tail = tail.subarray(Math.max(0, tail.length - KEPT_BYTES));
  };
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(0x0a, start);
        const end = newline === -1 ? chunk.length : newline + 1;
        const piece = chunk.subarray(start, end);
        if (dropped >= 0) {
          dropped += piece.length;
          keepTail(piece);
        } else if (pendingBytes + piece.length > maxBytes) {
          const line = Buffer.concat([...pending, piece]);
          dropped = line.length;
          head = Buffer.from(line.subarray(0, KEPT_BYTES));
          tail = Buffer.alloc(0);
          keepTail(line);
          pending = [];
          pendingBytes = 0;
        } else {
          pending.push(piece);
          pendingBytes += piece.length;
        }
        if (newline === -1) break;
        if (dropped >= 0) {
          onOversized(dropped, findRequestId(head.toString('utf8'), tail.toString('utf8')));
          dropped = -1;
        } else {
          this.push(Buffer.concat(pending));
          pending = [];
          pendingBytes = 0;
        }
        start = end;
      }
      done();
    },
  });
}
