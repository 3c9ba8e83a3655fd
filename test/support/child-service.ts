import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(REPO_ROOT, 'src/infrastructure/main.ts');

export interface ChildServiceOptions {
  /**
   * Environment variables for the service (config keys as in load-config.ts). `HOST=127.0.0.1`, `PORT=0`
   * (a free port, read back from the "listening" log line) and `LOG_LEVEL=info` are set unless given; with
   * a fixed `PORT` the URL is known without that line (for a quieter `LOG_LEVEL`).
   */
  readonly env: Readonly<Record<string, string>>;
  /** The entry module: `src/infrastructure/main.ts` under tsx by default; a built `main.js` runs under plain node. */
  readonly entry?: string;
  /** Node flags before the entry (a built `main.js` started as `npm start` starts it); none by default. */
  readonly nodeArgs?: readonly string[];
  /** Pass this process's environment on (a benchmark's `UV_THREADPOOL_SIZE`, `MALLOC_ARENA_MAX`); by default only PATH and HOME. */
  readonly inheritEnv?: boolean;
  /** Keep every JSON log line in `logs` (the default); a long soak run, which reads none, turns it off. */
  readonly keepLogs?: boolean;
  /** `pipe` (the default) collects stderr for `stderr()`; `inherit` passes it to this process's stderr. */
  readonly stderr?: 'pipe' | 'inherit';
  /** How long to wait for `/healthz`; start-up runs migrations, so allow for a cold tsx compile. */
  readonly startTimeoutMs?: number;
}

export interface ChildService {
  readonly process: ChildProcess;
  readonly pid: number;
  /** `http://127.0.0.1:{port}` the service listens on. */
  readonly url: string;
  /** Every JSON log line written to stdout so far, parsed (the access log among them). */
  readonly logs: Array<Record<string, unknown>>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /** `kill -9`: no handler runs, nothing is flushed. */
  kill(): Promise<number | string>;
}

export interface SpawnedService extends Omit<ChildService, 'url'> {
  /** The URL from the "listening" log line; never settles if the process exits before listening. */
  readonly listening: Promise<string>;
}

/**
 * Spawns the real service as a child process of its own and returns at once: for a test that expects the
 * start to fail, or that waits for something else than readiness. Tests, the soak script and the
 * benchmarks all start the service through here. Node runs main.ts directly (`--import tsx`) rather than
 * through `npx tsx`, whose wrapper process would take the signal instead of the service.
 */
export function spawnService(options: ChildServiceOptions): SpawnedService {
  const entry = options.entry ?? MAIN;
  const env = { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...options.env };
  const args = [...(options.nodeArgs ?? []), ...(entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry])];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...(options.inheritEnv ? process.env : { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }), ...env },
    stdio: ['ignore', 'pipe', options.stderr ?? 'pipe'],
  });
  if (child.pid === undefined || child.stdout === null) throw new Error('the service process did not start');
  const { pid, stdout } = child;

  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  const notJson = (line: string): void => {
    if (options.stderr === 'inherit') process.stderr.write(`${line}\n`);
    else stderr += `(stdout, not JSON) ${line}\n`;
  };
  let partial = '';
  let resolveUrl: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (resolveUrl = resolve));
  if (Number(env.PORT) > 0) resolveUrl(`http://${env.HOST}:${env.PORT}`);
  stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (options.keepLogs !== false) logs.push(entry);
        if (typeof entry.message === 'string' && entry.message.startsWith('listening on ') && typeof entry.url === 'string') resolveUrl(entry.url);
      } catch {
        notJson(line);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  const stopNow = async (signal: NodeJS.Signals): Promise<number | string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    process: child,
    pid,
    logs,
    listening,
    stderr: () => stderr,
    exited,
    stop: (signal = 'SIGTERM') => stopNow(signal),
    kill: () => stopNow('SIGKILL'),
  };
}

/** `spawnService`, then waits until `/healthz` answers; kills the process if it does not in time. */
export async function startChildService(options: ChildServiceOptions): Promise<ChildService> {
  const spawned = spawnService(options);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const failure = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the service did not answer /healthz within ${timeoutMs} ms`)), timeoutMs);
    void spawned.exited.then((how) => reject(new Error(`the service exited (${how}) before it was ready`)));
  });
  try {
    const url = await Promise.race([spawned.listening, failure]);
    await Promise.race([waitForHealth(url), failure]);
    const { listening: _listening, ...service } = spawned;
    return { ...service, url };
  } catch (error) {
    await spawned.kill();
    throw new Error(`${(error as Error).message}\n--- stderr ---\n${spawned.stderr()}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

async function waitForHealth(url: string): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(`${url}/healthz`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet: the caller's timeout bounds the retries.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
