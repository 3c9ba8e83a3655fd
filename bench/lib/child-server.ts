import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { startChildService } from '../../test/support/child-service.js';

export interface ChildServer {
  readonly name: string;
  readonly base: string;
  readonly pid: number;
  /** Resets the kernel's peak-RSS mark (VmHWM) to the current RSS, so the next peak is this phase's. */
  resetPeak(): void;
  /** VmHWM and VmRSS in MiB. */
  memory(): { peakMiB: number; rssMiB: number };
  /** CPU time (user + system, all threads) the process has used so far, in seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

function statusKiB(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** The process's peak resident memory (VmHWM) in bytes, since its start or the last `resetPeakResident`. */
export const peakResidentBytes = (pid: number): number => statusKiB(pid, 'VmHWM') * 1024;

/** Resets the kernel's peak-RSS mark (VmHWM) to the current RSS, so the next peak is this phase's. */
export const resetPeakResident = (pid: number): void => writeFileSync(`/proc/${pid}/clear_refs`, '5');

/** CPU time (user + system, all threads) the process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function wrap(name: string, child: ChildProcess, base: string): ChildServer {
  const pid = child.pid as number;
  return {
    name,
    base,
    pid,
    resetPeak: () => resetPeakResident(pid),
    memory: () => ({ peakMiB: peakResidentBytes(pid) / 1024 / 1024, rssMiB: statusKiB(pid, 'VmRSS') / 1024 }),
    cpuSeconds: () => cpuSeconds(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts `node [args]` and waits until it prints `LISTENING <port>` (the reference servers). */
export async function startReference(name: string, args: readonly string[], env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /LISTENING (\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
  });
  return wrap(name, child, `http://127.0.0.1:${port}`);
}

/**
 * Starts the production build of the service (the launcher the tests and the soak use) with `nodeArgs` (those of
 * `npm start`) and waits for `/healthz`.
 */
export async function startService(name: string, entry: string, env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<ChildServer> {
  // A fixed port: at LOG_LEVEL=warn the service does not log the "listening" line with its URL.
  const port = await freePort();
  const service = await startChildService({
    entry,
    nodeArgs,
    env: { PORT: String(port), LOG_LEVEL: 'warn', ...env },
    inheritEnv: true,
    stderr: 'inherit',
    startTimeoutMs: 60_000,
  }).catch((error: unknown) => {
    throw new Error(`${name} did not become healthy`, { cause: error });
  });
  return wrap(name, service.process, service.url);
}
