/** Real TCP ports for lease tests: a run of free ones, and a listener holding one as another program would. */
import { createServer, type Server } from 'node:net';

export function listen(port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function isFree(port: number): Promise<boolean> {
  try {
    await closeServer(await listen(port));
    return true;
  } catch {
    return false;
  }
}

/** The first port of `count` consecutive ports that are all free right now, from a random start. */
export async function findFreePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 35_000);
    let ok = true;
    for (let port = base; port < base + count && ok; port++) ok = await isFree(port);
    if (ok) return base;
  }
  throw new Error(`no run of ${count} free ports found`);
}
