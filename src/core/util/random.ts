import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Random hex for ids and temp names, from the kernel's /dev/urandom: Web Crypto's getRandomValues loads
 * node:crypto's module graph at its first call (~4 ms, measured), which `cwt append` and the hooks would pay
 * for eight bytes. Where there is no /dev/urandom, from the global Web Crypto object.
 */
export function randomHex(bytes: number): string {
  const data = new Uint8Array(bytes);
  if (!readKernelRandom(data)) globalThis.crypto.getRandomValues(data);
  return Array.from(data, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function readKernelRandom(data: Uint8Array): boolean {
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    let offset = 0;
    while (offset < data.length) {
      const read = readSync(fd, data, offset, data.length - offset, null);
      if (read <= 0) return false;
      offset += read;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
