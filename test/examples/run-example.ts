import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/service-harness.js';

/**
 * Runs an example as its readers would: with the node options of its own `// Run:` line. Test
 * fixtures, which have none, run with `--conditions=lir-source --import tsx`.
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

/**
 * The node options of `file`'s `// Run: node <options> <file> …` line. One that imports the package
 * must name the `lir-source` condition: a fresh clone has no `dist/` for `live-image-resize` to resolve
 * to, while a working copy that has built one would hide the mistake.
 */
export function runLineOptions(file: string): string[] {
  const source = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const match = /^\/\/ Run: node((?: -\S+(?: tsx)?)*) (\S+)/m.exec(source);
  if (match === null || match[2] !== file) throw new Error(`${file} has no "// Run: node … ${file}" line`);
  const options = (match[1] ?? '').trim().split(/\s+/).filter((option) => option !== '');
  if (/from 'live-image-resize(-client)?[/']|resolve\('live-image-resize/.test(source) && !options.includes('--conditions=lir-source')) {
    throw new Error(`${file}: its Run line needs --conditions=lir-source, or the import fails on a fresh clone (no dist/)`);
  }
  return options;
}

export function runExample(file: string, args: readonly string[] = []): RunningExample {
  const options = file.startsWith('examples/') ? runLineOptions(file) : ['--conditions=lir-source', '--import', 'tsx'];
  const child = spawn(process.execPath, [...options, path.join(REPO_ROOT, file), ...args], {
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
