/** Runs the built `bin/cwt.js` as a real child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CWT_BIN = fileURLToPath(new URL('../../bin/cwt.js', import.meta.url));

export interface CwtResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Start cwt under this umask (octal, e.g. '027'), through a shell that sets it first. */
  umask?: string;
}

/** Starts cwt and returns the child plus a promise of its result. */
export function startCwt(args: string[], options: RunOptions): { child: ChildProcess; result: Promise<CwtResult> } {
  const argv = [process.execPath, CWT_BIN, ...args];
  // `exec "$0" "$@"`: the shell sets the umask and becomes cwt, so the pid and signals are cwt's own.
  const [file, ...rest] = options.umask === undefined ? argv : ['sh', '-c', `umask ${options.umask} && exec "$0" "$@"`, ...argv];
  const child = spawn(file!, rest, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A test may kill the child before it reads its input.
  child.stdin!.on('error', () => {});
  child.stdin!.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 50_000);
  const result = new Promise<CwtResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, result };
}

export function runCwt(args: string[], options: RunOptions): Promise<CwtResult> {
  return startCwt(args, options).result;
}

/** Resolves when `predicate` holds for the child's accumulated stderr. */
export function waitForStderr(child: ChildProcess, predicate: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting on stderr; got:\n${text}`)), timeoutMs);
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (predicate(text)) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(text);
      }
    };
    child.stderr!.on('data', onData);
    child.on('close', () => {
      clearTimeout(timer);
      if (!predicate(text)) reject(new Error(`process exited before the expected stderr; got:\n${text}`));
    });
  });
}
