/**
 * Random hex for ids and temp names, from the global Web Crypto object: nothing is loaded until the first
 * call, which keeps node:crypto (~6 ms) off the hook path.
 */
export function randomHex(bytes: number): string {
  const data = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(data, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
