// npm run image:smoke — builds the Dockerfile with podman and tries the image as a user would: the README
// walk-through (token → upload → render, then a cache hit), the process's uid, the health check, `lir doctor`
// inside the container, and a clean stop on SIGTERM (exit 0). Takes minutes, so it is not part of npm test.
//
// The build is ../shared/recipes/container-smoke.sh (podman on a stand-in node:*-bookworm-slim base made from
// Debian packages, for machines without Docker or a registry); CONTAINER_SMOKE points at another copy.
import { execFile, type ExecFileOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RECIPE = process.env.CONTAINER_SMOKE ?? path.resolve(ROOT, '../shared/recipes/container-smoke.sh');
const WORK = process.env.CONTAINER_WORK ?? '/tmp/container-smoke';
const IMAGE = 'localhost/lir:smoke';
const PORT = Number(process.env.SMOKE_PORT ?? 18099);
const BASE = `http://127.0.0.1:${PORT}`;
// The recipe writes this file: runc with cgroupfs and lower rlimits, which this kind of VM needs.
const ENV = { ...process.env, CONTAINERS_CONF: path.join(WORK, 'containers.conf') };

const results: Array<{ readonly check: string; readonly ok: boolean; readonly detail: string }> = [];

function record(check: string, ok: boolean, detail: string): void {
  results.push({ check, ok, detail });
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${check.padEnd(12)} ${detail}\n`);
}

async function podman(args: readonly string[], options: ExecFileOptions = {}): Promise<string> {
  const { stdout } = await exec('podman', [...args], { env: ENV, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...options });
  return String(stdout).trim();
}

async function waitForHealthz(container: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${BASE}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    const state = await podman(['inspect', container, '--format', '{{.State.Status}}']);
    if (state !== 'running') throw new Error(`the container is ${state}:\n${await podman(['logs', container])}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no answer from ${BASE}/healthz within ${timeoutMs} ms`);
}

/** The README's walk-through with its sample photo, over HTTP from the host, as a back end and a browser would. */
async function walkThrough(): Promise<void> {
  const id = `smoke-${Date.now()}`;
  const issued = (await (await fetch(`${BASE}/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id }) })).json()) as { token?: string };
  record('token', typeof issued.token === 'string', `POST /token → ${issued.token === undefined ? JSON.stringify(issued) : 'a token'}`);
  const form = new FormData();
  form.append('image', new Blob([readFileSync(path.join(ROOT, 'docs/images/sample.jpg'))], { type: 'image/jpeg' }), 'sample.jpg');
  const upload = await fetch(`${BASE}/${id}.jpg`, { method: 'POST', headers: { 'X-Token': issued.token ?? '' }, body: form });
  const stored = (await upload.json()) as Record<string, unknown>;
  record('upload', upload.status === 201 && stored.original_width === 1800, `POST /${id}.jpg → ${upload.status} ${JSON.stringify(stored)}`);
  const url = `${BASE}/${id}_400_300_2x.webp?fit=crop`;
  const miss = await fetch(url);
  const missBytes = (await miss.arrayBuffer()).byteLength;
  record('render', miss.status === 200 && miss.headers.get('x-cache') === 'MISS' && miss.headers.get('content-type') === 'image/webp', `GET ${new URL(url).pathname} → ${miss.status} ${miss.headers.get('x-cache')} ${missBytes} bytes`);
  let hit = '';
  for (let attempt = 0; attempt < 20 && hit !== 'HIT'; attempt += 1) {
    const again = await fetch(url);
    await again.arrayBuffer();
    hit = again.headers.get('x-cache') ?? '';
    if (hit !== 'HIT') await new Promise((resolve) => setTimeout(resolve, 250));
  }
  record('cache', hit === 'HIT', `the same URL again → X-Cache: ${hit}`);
}

async function checkRunning(container: string): Promise<void> {
  const uid = await podman(['exec', container, 'sh', '-c', "awk '/^Uid:/ { print $2 }' /proc/1/status"]);
  record('uid', uid === '1000', `the service process runs as uid ${uid}`);
  await walkThrough();
  const health = await podman(['healthcheck', 'run', container]).then(() => 'healthy', (error: { stdout?: string; stderr?: string }) => `unhealthy: ${error.stderr ?? error.stdout ?? ''}`);
  record('healthcheck', health === 'healthy', `podman healthcheck run → ${health}`);
  const doctor = await podman(['exec', container, 'node', 'bin/lir.cjs', 'doctor']).then(
    (out) => ({ ok: true, out }),
    (error: { stdout?: string }) => ({ ok: false, out: error.stdout ?? '' }),
  );
  record('doctor', doctor.ok, `lir doctor in the container: ${doctor.out.split('\n').at(-1)}`);
  // The image's ENV reaches every process in it, the service's too (ADR 0038).
  const memory = /^\w+ +memory +.*$/m.exec(doctor.out)?.[0] ?? 'no memory line';
  record('allocator', /^OK +memory +glibc .*MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072/.test(memory), memory);
}

async function stopCleanly(container: string): Promise<void> {
  // podman stop sends the image's STOPSIGNAL (SIGTERM) and waits up to -t seconds before SIGKILL.
  await podman(['stop', '-t', '40', container]);
  const code = await podman(['inspect', container, '--format', '{{.State.ExitCode}}']);
  const logs = await podman(['logs', container]);
  const stopped = logs.split('\n').some((line) => line.includes('"message":"stopped"'));
  record('sigterm', code === '0' && stopped, `podman stop → exit code ${code}${stopped ? ', "stopped" logged' : ', no "stopped" line in the log'}`);
}

async function main(): Promise<void> {
  if (!existsSync(RECIPE)) throw new Error(`${RECIPE} not found: check out ../shared beside the repository, or set CONTAINER_SMOKE`);
  process.stdout.write(`building ${IMAGE} with ${RECIPE} (minutes)…\n`);
  await exec('bash', [RECIPE, 'build', ROOT], { env: ENV, cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
  const size = Number(await podman(['image', 'inspect', IMAGE, '--format', '{{.Size}}']));
  process.stdout.write(`image ${IMAGE}: ${(size / 1e6).toFixed(0)} MB (${size} bytes)\n`);
  const container = await podman(['run', '-d', '--network', 'host', '-e', `PORT=${PORT}`, IMAGE]);
  try {
    await waitForHealthz(container, 60_000);
    await checkRunning(container);
    await stopCleanly(container);
  } finally {
    await podman(['rm', '-f', container]).catch(() => '');
  }
  const failed = results.filter((r) => !r.ok);
  process.stdout.write(failed.length === 0 ? `image smoke test passed (${results.length} checks)\n` : `image smoke test FAILED: ${failed.map((r) => r.check).join(', ')}\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`image smoke test failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
