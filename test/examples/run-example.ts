import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../support/service-harness.js';

/**
 * Runs an example as its readers would, `node --import tsx examples/…`, plus the `lir-source` condition
 * so that `import … from 'live-image-resize'` resolves to the sources instead of an unbuilt `dist/`.
 */
export interface RunningExample {
  readonly child: ChildProcessWithoutNullStreams;
  /** The stdout lines that are JSON objects, parsed, as they arrive. */
  readonly lines: Array<Record<string, unknown>>;
  /** Everything written to stdout so far. */
  readonly stdout: () => string;
  /** Waits for a stdout line matching `predicate`; rejects if the process ends first. */
  waitFor(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with the exit code and stderr once the process has ended. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

export function runExample(file: string, args: readonly string[] = []): RunningExample {
  const child = spawn(process.execPath, ['--conditions=lir-source', '--import', 'tsx', path.join(REPO_ROOT, file), ...args], {
    cwd: REPO_ROOT,
    stdio: 'pipe',
  });
  const lines: Array<Record<string, unknown>> = [];
  const listeners = new Set<() => void>();
  let stdout = '';
  let all = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    all += chunk;
    stdout += chunk;
    let newline: number;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, newline).trim();
      stdout = stdout.slice(newline + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  return {
    child,
    lines,
    stdout: () => all,
    exited,
    waitFor(predicate) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(predicate);
          if (found !== undefined) {
            listeners.delete(check);
            resolve(found);
          }
        };
        listeners.add(check);
        check();
        void exited.then(({ code, stderr: err }) => {
          if (listeners.delete(check)) reject(new Error(`${file} exited (${code}) before the expected line:\n${err}`));
        });
      });
    },
  };
}
