/**
 * Raw sharp (`renderRaw`) with at most RENDER_SLOTS renders at a time, as the service's render gate allows
 * (`render.concurrency`, one per core by default, SPEC §6), and one libvips thread per render as the service then
 * gives each (ADR 0009): what limiting renders to the cores costs any Node server, without the service around it.
 * With RENDER_IN_WORKER=1 the gate and the renders run in a worker thread, whose event loop does nothing else, and
 * the main thread only answers HTTP. `npm run bench:slots` runs it.
 */
import os from 'node:os';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { renderRaw, serveRenders, type RawRendition } from './raw-render.js';

const dir = process.env.SOURCE_DIR ?? '.';
const slots = Number(process.env.RENDER_SLOTS ?? os.availableParallelism());
sharp.cache(false);
sharp.concurrency(1);

/** At most `slots` calls of `run` at work at once; the others wait in arrival order. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(slots: number) {
    this.free = slots;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.free += 1;
      else next();
    }
  }
}

interface Job {
  readonly id: number;
  readonly url: string;
}

type Done = { readonly id: number; readonly format: RawRendition['format']; readonly bytes: ArrayBuffer } | { readonly id: number; readonly error: string };

if (!isMainThread) {
  const gate = new Slots(slots);
  parentPort!.on('message', ({ id, url }: Job) => {
    gate.run(() => renderRaw(dir, url)).then(
      ({ format, bytes }) => {
        const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
        parentPort!.postMessage({ id, format, bytes: copy } satisfies Done, [copy]);
      },
      (error: unknown) => parentPort!.postMessage({ id, error: String(error) } satisfies Done),
    );
  });
} else {
  let render: (url: string) => Promise<RawRendition>;
  if (process.env.RENDER_IN_WORKER === '1') {
    // Workers do not inherit tsx's loader: the worker registers it, then loads this file (with the environment).
    const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`, { eval: true });
    const pending = new Map<number, { resolve: (rendition: RawRendition) => void; reject: (error: Error) => void }>();
    let next = 0;
    worker.on('message', (done: Done) => {
      const waiter = pending.get(done.id)!;
      pending.delete(done.id);
      if ('error' in done) waiter.reject(new Error(done.error));
      else waiter.resolve({ format: done.format, bytes: Buffer.from(done.bytes) });
    });
    render = (url) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, url } satisfies Job);
      });
  } else {
    const gate = new Slots(slots);
    render = (url) => gate.run(() => renderRaw(dir, url));
  }
  serveRenders(render);
}
