/**
 * A throwaway PostgreSQL server for the test suites and the benchmarks: a fresh cluster in a temporary
 * directory, listening on 127.0.0.1 only (and on a socket inside that directory), trust authentication for
 * one role, durability switched off (it holds nothing worth keeping). Uses the server binaries of Debian's
 * `postgresql` package. As root it runs the server as the `postgres` user, which refuses to run as root.
 * Only node:* modules, no shell strings.
 *
 *   const server = await startPostgresServer();   // { url, stop(), kill(), start() }
 *   node scripts/postgres-server.mjs               // starts one, prints its URL, stops on Ctrl-C
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROLE = 'cwt';
const DATABASE = 'cwt';

/** The newest installed server's bin directory, or undefined. */
export function findPostgresBinDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const dir = join(root, version, 'bin');
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  const found = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = found.status === 0 ? found.stdout.trim() : '';
  return dir !== '' && existsSync(join(dir, 'initdb')) ? dir : undefined;
}

/** uid/gid of a local user from /etc/passwd. */
function getUser(name) {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function getFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a fresh server; resolves once it accepts connections. */
export async function startPostgresServer() {
  const bin = findPostgresBinDir();
  if (!bin) {
    throw new Error('PostgreSQL server binaries not found: install them with `apt-get install -y postgresql` (Debian) and run again');
  }
  const dir = mkdtempSync(join(tmpdir(), 'cwt-postgres-'));
  const data = join(dir, 'data');
  const asUser = process.getuid?.() === 0 ? getUser('postgres') : undefined;
  if (process.getuid?.() === 0 && !asUser) throw new Error('running as root, but there is no `postgres` user to run the server as');
  if (asUser) chownSync(dir, asUser.uid, asUser.gid);
  const ids = asUser ? { uid: asUser.uid, gid: asUser.gid } : {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', ROLE, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...ids, encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  }
  const port = await getFreePort();
  const settings = [
    ['listen_addresses', '127.0.0.1'],
    ['port', String(port)],
    ['unix_socket_directories', dir],
    ['fsync', 'off'],
    ['synchronous_commit', 'off'],
    ['full_page_writes', 'off'],
    ['max_connections', '200'],
  ];
  // The server process of the moment: kill() stops it as a crash would, start() brings it back on the same data.
  let child;
  const launch = async () => {
    child = spawn(join(bin, 'postgres'), ['-D', data, ...settings.flatMap(([name, value]) => ['-c', `${name}=${value}`])], {
      ...ids,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within 30 s:\n${log}`)), 30_000);
      child.stderr.on('data', (chunk) => {
        log += chunk;
        if (log.includes('ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`PostgreSQL exited (${code}) while starting:\n${log}`));
      });
    });
    child.stderr.removeAllListeners('data');
    child.stderr.resume();
  };
  const exited = (server) =>
    new Promise((resolve) => {
      if (server.exitCode !== null || server.signalCode !== null) resolve();
      else server.once('exit', () => resolve());
    });
  await launch();
  const created = spawnSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', ROLE, DATABASE], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr}`);
  let stopped;
  return {
    url: `postgres://${ROLE}@127.0.0.1:${port}/${DATABASE}`,
    /** Stops the server the way a crash does (SIGQUIT: immediate shutdown, no checkpoint), keeping its data. */
    async kill() {
      const current = child;
      current.kill('SIGQUIT');
      await exited(current);
    },
    /** Starts the server again on the same port and data, after kill(); resolves once it accepts connections. */
    start: launch,
    stop() {
      stopped ??= new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else {
          child.once('exit', () => resolve());
          // SIGINT: "fast shutdown", disconnects clients and exits.
          child.kill('SIGINT');
        }
      }).then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startPostgresServer();
  process.stdout.write(`${server.url}\n`);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
