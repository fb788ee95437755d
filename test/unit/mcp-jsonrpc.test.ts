/**
 * cwt mcp's hand-written stdio JSON-RPC layer, line by line: answers requests (overlapping ones too), drops
 * notifications and client responses, answers garbage with the JSON-RPC error it deserves and goes on, and
 * answers `initialize` without opening the store or loading the tools.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createJsonRpcConnection, JSONRPC_ERRORS, JsonRpcError, serveJsonRpc } from '../../src/mcp/jsonrpc.js';
import { MCP_PROTOCOL_VERSIONS, negotiateProtocolVersion, serveMcp } from '../../src/mcp/server.js';
import { MESSAGES } from '../../src/texts/messages.js';

function collect(output: PassThrough): () => Record<string, unknown>[] {
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the stdio JSON-RPC layer', () => {
  it('answers requests, ignores notifications and responses, and reports bad lines without stopping', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const messages = collect(output);
    const served = serveJsonRpc(input, output, (method, params) => {
      if (method === 'echo') return Promise.resolve({ params });
      if (method === 'slow') return new Promise((resolve) => setTimeout(() => resolve({ slow: true }), 50));
      if (method === 'refuse') return Promise.reject(new JsonRpcError(JSONRPC_ERRORS.invalidParams, 'no'));
      if (method === 'crash') return Promise.reject(new Error('boom'));
      return undefined;
    });
    const lines = [
      { jsonrpc: '2.0', id: 1, method: 'slow' },
      { jsonrpc: '2.0', id: 'b', method: 'echo', params: { a: 1 } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 9, result: {} },
      { jsonrpc: '2.0', id: 3, method: 'nope' },
      { jsonrpc: '2.0', id: 4, method: 'refuse' },
      { jsonrpc: '2.0', id: 5, method: 'crash' },
      { jsonrpc: '2.0', id: { x: 1 }, method: 'echo' },
      [{ jsonrpc: '2.0', id: 6, method: 'echo' }],
    ].map((line) => JSON.stringify(line));
    // Split mid-line and mid-character: the layer joins them.
    const all = Buffer.from(`${lines.join('\n')}\nnot json\r\n\n{"jsonrpc":"2.0","id":7,"method":"echo","params":{"t":"é"}}\n`);
    const cut = all.indexOf(Buffer.from('é')) + 1;
    input.write(all.subarray(0, 17));
    input.write(all.subarray(17, cut));
    input.end(all.subarray(cut));
    await served;
    const byId = new Map(messages().map((message) => [JSON.stringify(message.id), message]));
    expect(byId.get('1')).toEqual({ jsonrpc: '2.0', id: 1, result: { slow: true } }); // answered last, still answered
    expect(byId.get('"b"')).toEqual({ jsonrpc: '2.0', id: 'b', result: { params: { a: 1 } } });
    expect(byId.get('3')).toMatchObject({ error: { code: JSONRPC_ERRORS.methodNotFound } });
    expect(byId.get('4')).toMatchObject({ error: { code: JSONRPC_ERRORS.invalidParams, message: 'no' } });
    expect(byId.get('5')).toMatchObject({ error: { code: JSONRPC_ERRORS.internalError, message: 'Internal error: boom' } });
    expect(byId.get('7')).toEqual({ jsonrpc: '2.0', id: 7, result: { params: { t: 'é' } } });
    const errorsWithoutId = messages().filter((message) => message.id === null).map((message) => (message.error as { code: number }).code);
    expect(errorsWithoutId.sort()).toEqual([JSONRPC_ERRORS.invalidRequest, JSONRPC_ERRORS.invalidRequest, JSONRPC_ERRORS.parseError].sort());
    expect(messages()).toHaveLength(9); // nothing for the notification or the response
  });

  it('waits for the answers still running when the input ends', async () => {
    const output = new PassThrough();
    const messages = collect(output);
    const connection = createJsonRpcConnection(output, () => new Promise((resolve) => setTimeout(() => resolve(42), 30)));
    connection.receive('{"jsonrpc":"2.0","id":1,"method":"x"}\n');
    await connection.settled();
    expect(messages()).toEqual([{ jsonrpc: '2.0', id: 1, result: 42 }]);
  });

  it.each<[unknown, string]>([
    ['2025-06-18', '2025-06-18'],
    ['2024-11-05', '2024-11-05'],
    ['1999-01-01', MCP_PROTOCOL_VERSIONS[0]],
    [undefined, MCP_PROTOCOL_VERSIONS[0]],
  ])('answers a client asking for protocol %s with %s', (requested, answered) => expect(negotiateProtocolVersion(requested)).toBe(answered));

  it('answers initialize and ping without opening the store; the store opens at the first tool call', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const messages = collect(output);
    let opened = 0;
    const served = serveMcp({
      openStore: () => {
        opened++;
        return Promise.reject(new Error('no store in this test'));
      },
      env: {},
      cwd: '/nowhere',
      version: '9.9.9',
      input,
      output,
    });
    input.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`);
    input.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' })}\n`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(messages()).toEqual([
      { jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'cwt', version: '9.9.9' }, instructions: MESSAGES.mcpInstructions } },
      { jsonrpc: '2.0', id: 2, result: {} },
    ]);
    input.write(`${JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: {} })}\n`);
    input.end(`${JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'list_sessions' } })}\n`);
    await served;
    expect(messages()[2]).toMatchObject({ id: 3, error: { code: JSONRPC_ERRORS.invalidParams } });
    // The warm-up after initialize tried once and failed; the call tries again and reports it as a tool error.
    expect(messages()[3]).toMatchObject({ id: 4, result: { isError: true, content: [{ type: 'text', text: expect.stringContaining('no store in this test') }] } });
    expect(opened).toBe(2);
  });
});
