/**
 * The glibc settings `npm start` and the container image give the service (ADR 0038): two malloc arenas, and a fixed
 * mmap threshold so that every freed block of 128 KiB or more (libvips' pixel and line buffers) goes back to the
 * kernel at once instead of staying resident in a fragmented heap.
 */
export const RECOMMENDED_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

export interface AllocatorFit {
  readonly verdict: 'ok' | 'note';
  readonly message: string;
}

const recommended = Object.entries(RECOMMENDED_MALLOC_ENV)
  .map(([name, value]) => `${name}=${value}`)
  .join(' ');

/**
 * How this process allocates, for `lir doctor`. glibc reads its variables once, when the process starts, so nothing
 * inside the process can set them; this only tells the operator what the process was started with. `glibcVersion` is
 * Node's report of the runtime glibc (`header.glibcVersionRuntime`), undefined on musl, macOS and Windows.
 */
export function allocatorFit(env: Readonly<Record<string, string | undefined>>, glibcVersion: string | undefined): AllocatorFit {
  const preload = env.LD_PRELOAD ?? '';
  if (/jemalloc|tcmalloc|mimalloc/.test(preload)) {
    return { verdict: 'note', message: `LD_PRELOAD=${preload}: not glibc's malloc; glibc with ${recommended} kept less resident in ADR 0038's measurements` };
  }
  if (glibcVersion === undefined) return { verdict: 'ok', message: 'not glibc: its malloc settings do not apply' };
  const names = Object.keys(RECOMMENDED_MALLOC_ENV);
  const missing = names.filter((name) => !env[name]);
  if (missing.length === 0) {
    return { verdict: 'ok', message: `glibc ${glibcVersion} with ${names.map((name) => `${name}=${env[name]}`).join(' ')}; npm start and the image set them` };
  }
  // A note, not a warning: doctor runs from a shell, while what counts is how the service is started.
  return {
    verdict: 'note',
    message: `glibc ${glibcVersion}, started without ${missing.join(' and ')}: without them the service keeps memory that libvips frees resident (20–40 MB more after a few thousand uploads and renders, ADR 0038); npm start and the image set ${recommended}, lir serve needs them in its environment`,
  };
}
