/**
 * Scenario 11 of bench/run.mjs: how fast the live views hear of a change. A real `cwt dashboard --all` process
 * on SQLite and on PostgreSQL (a throwaway server, scripts/postgres-server.mjs); a Server-Sent Events client in
 * this process; each round another store connection (dist/store.js, as any cwt process) appends one event, and
 * the time from its commit to the first push that carries it is one sample. SQLite is found by the 250 ms poll
 * of the change mark (expect ~half of it plus the state read), PostgreSQL is woken by NOTIFY. node:* only.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { dirname, join } from 'node:path';

/** Starts `cwt dashboard --json --all` and resolves with its URL and a stop function. */
function startDashboard(cwtBin, cwd, env) {
  const child = spawn(process.execPath, [cwtBin, 'dashboard', '--json', '--all'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        const { url } = JSON.parse(out.slice(0, newline));
        resolve({
          url,
          stop: () =>
            new Promise((done) => {
              child.once('close', done);
              child.kill('SIGINT');
            }),
        });
      }
    });
    child.once('close', (code) => reject(new Error(`cwt dashboard exited with ${code}: ${err}`)));
  });
}

/** Follows /api/stream; calls onState(state) per push. Resolves with a close function once connected. */
function followStream(url, onState) {
  const { hostname, port, searchParams } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: '/api/stream', headers: { authorization: `Bearer ${searchParams.get('token')}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((line) => line.startsWith('data: '));
          if (message.startsWith('event: state') && data) onState(JSON.parse(data.slice(6)));
        }
      });
      resolve(() => req.destroy());
    });
    req.on('error', (error) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end();
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measureBackend({ cwtBin, cwd, env, rounds }) {
  const { openStore } = await import(join(dirname(cwtBin), '..', 'dist', 'store.js'));
  const store = await openStore(env);
  await store.appendEvent({ kind: 'agent.milestone', data: { text: 'bench: warm-up' } });
  const dashboard = await startDashboard(cwtBin, cwd, env);
  let waiting;
  const close = await followStream(dashboard.url, (state) => {
    if (waiting && state.events.some((event) => event.data?.text === waiting.text)) {
      waiting.resolve(performance.now());
      waiting = undefined;
    }
  });
  const samples = [];
  try {
    await sleep(500);
    for (let round = 0; round < rounds; round++) {
      const text = `bench: change ${round}`;
      const seen = new Promise((resolve) => (waiting = { text, resolve }));
      const committedAt = performance.now();
      await store.appendEvent({ kind: 'agent.milestone', data: { text } });
      const timeout = sleep(10_000).then(() => Number.NaN);
      const at = await Promise.race([seen, timeout]);
      if (Number.isNaN(at)) throw new Error(`no push carried change ${round} within 10 s`);
      samples.push(at - committedAt);
      // Apart from each other, so every round starts from an idle dashboard (not inside a push's 200 ms gap).
      await sleep(400 + ((round * 97) % 300));
    }
  } finally {
    close();
    await dashboard.stop();
    await store.close();
  }
  return samples;
}

export async function scenarioLive({ sandbox, opts, cwtBin, stats, note }) {
  const rounds = opts.quick ? 5 : Math.max(10, opts.runs);
  const { findPostgresBinDir, startPostgresServer } = await import('../scripts/postgres-server.mjs');
  const rows = [];
  const sqliteEnv = { ...sandbox.env, CWT_HOME: join(sandbox.root, 'live-sqlite') };
  const sqlite = stats(await measureBackend({ cwtBin, cwd: sandbox.root, env: sqliteEnv, rounds }));
  rows.push({ key: 'sqlite', label: 'SQLite: event committed -> SSE push received', n: sqlite.n, medianMs: sqlite.median, p90Ms: sqlite.p90, minMs: sqlite.min, maxMs: sqlite.max });
  if (findPostgresBinDir()) {
    const server = await startPostgresServer();
    try {
      const url = new URL(server.url);
      url.searchParams.set('schema', 'bench_live');
      const pg = stats(await measureBackend({ cwtBin, cwd: sandbox.root, env: { ...sandbox.env, CWT_STORE: url.toString() }, rounds }));
      rows.push({ key: 'postgres', label: 'PostgreSQL (NOTIFY): event committed -> SSE push received', n: pg.n, medianMs: pg.median, p90Ms: pg.p90, minMs: pg.min, maxMs: pg.max });
    } finally {
      await server.stop();
    }
  } else {
    note('scenario 12: no PostgreSQL server binaries; the PostgreSQL row is left out');
  }
  return {
    id: 'live',
    latency: true,
    title: 'Scenario 11: the dashboard hears of a change (another process appends an event; time until the push carrying it)',
    rows,
    notes: ['SQLite: found by the 250 ms poll of the change mark; PostgreSQL: woken by the event\'s NOTIFY. Then one state read and one push.'],
  };
}

/** The table of scenario 12 (no baseline ratio: these are latencies inside running processes, not spawns). */
export function formatLatency(scenario) {
  const header = ['row', 'N', 'median ms', 'p90 ms', 'min ms', 'max ms'];
  const lines = scenario.rows.map((r) => [r.label, String(r.n), r.medianMs.toFixed(1), r.p90Ms.toFixed(1), r.minMs.toFixed(1), r.maxMs.toFixed(1)]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const fmt = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [scenario.title, `  ${fmt(header)}`, `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...lines.map((l) => `  ${fmt(l)}`), ...scenario.notes.map((text) => `  ${text}`)].join('\n');
}
