/**
 * The soak's hostile mix (issue 10): what an attacker with upload tokens, or with none, sends to the public
 * edge, bounded in count and in time, to 127.0.0.1 only. Every attack loop stops starting new requests when
 * the phase ends; each request is bounded by a client-side time limit. The answers go into a Tally.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import type { Tally } from './soak-tally.js';
import { errorText, send, STILL_OPEN, TokenRefused, trickle, type Outcome, type RawRequest } from './soak-wire.js';

export interface HostileTarget {
  url(): string;
  /** An upload token for `id` (POST /token from loopback, as the customer's back end would). */
  token(id: string): Promise<string>;
  /** An id whose original is a normal photo (renders at the size limit start from it). */
  photoId(): string;
}

export interface Ammunition {
  readonly photo: Buffer;
  /** A ~50 MP JPEG (just under the default input pixel limit, ~27 MB) cut after 3/4: decodes fail late, after the work. */
  readonly truncatedHugeJpeg: Buffer;
  /** Decompression bombs from ../shared/corpus/bombs (tiny files declaring huge images). */
  readonly bombs: ReadonlyArray<{ readonly name: string; readonly bytes: Buffer }>;
  /** 40 000 frames of 1×1 pixel: cheap to send, each frame a separate resize at render time. */
  readonly manyFrameGif: Buffer;
}

/** Longer than any limit the service should have (render 15 s, shutdown 25 s): past it, the request hangs. */
export const HOSTILE_TIMEOUT_MS = 90_000;
/** How long a slow-loris connection may live: past a minute, the service never closes it. */
const SLOW_LIFETIME_MS = 70_000;
const GIF_FRAMES = 40_000;
const BOUNDARY = 'soakBoundary7MA4YWxkTrZu0gW';
const MIB = 1024 * 1024;

export async function loadAmmunition(repoRoot: string, photo: Buffer): Promise<Ammunition> {
  // 8160×6120 = 49.94 MP: under the default 50 MP limit, so only a decode finds out the file is cut. Tiled
  // noise makes it cost what a photo costs to decode (a flat colour decodes almost for free).
  const noise = await sharp({ create: { width: 512, height: 512, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
  const huge = await sharp({ create: { width: 8160, height: 6120, channels: 3, background: '#808080' } })
    .composite([{ input: noise, tile: true }])
    .jpeg({ quality: 85 })
    .toBuffer();
  const frames = Buffer.alloc(GIF_FRAMES * 4, 255);
  for (let i = 0; i < GIF_FRAMES; i++) frames.writeUInt16BE(i % 65536, i * 4);
  const manyFrameGif = await sharp(frames, { raw: { width: 1, height: GIF_FRAMES, channels: 4, pageHeight: 1 } }).gif().toBuffer();
  const bombDir = path.resolve(repoRoot, '../shared/corpus/bombs');
  const bombs = existsSync(bombDir) ? readdirSync(bombDir).sort().map((name) => ({ name, bytes: readFileSync(path.join(bombDir, name)) })) : [];
  if (bombs.length === 0) process.stderr.write(`no decompression bombs in ${bombDir}: the bomb probes send only the truncated 50 MP JPEG\n`);
  return { photo, truncatedHugeJpeg: huge.subarray(0, Math.floor((huge.length * 3) / 4)), bombs, manyFrameGif };
}

interface Part {
  readonly name: string;
  readonly filename?: string;
  /** A buffer, or one chunk repeated `times` (large junk without holding it in memory). */
  readonly data: Buffer | { readonly chunk: Buffer; readonly times: number };
}

function* multipartChunks(parts: readonly Part[]): Generator<Buffer> {
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n';
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`);
    if (Buffer.isBuffer(part.data)) yield part.data;
    else for (let n = 0; n < part.data.times; n++) yield part.data.chunk;
    yield Buffer.from('\r\n');
  }
  yield Buffer.from(`--${BOUNDARY}--\r\n`);
}

const multipart = (parts: readonly Part[]): Buffer => Buffer.concat([...multipartChunks(parts)]);
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function upload(target: HostileTarget, id: string, token: string, body: RawRequest['body'], extra: Partial<RawRequest> = {}): Promise<Outcome> {
  const headers = { 'Content-Type': MULTIPART, 'X-Token': token };
  return send(target.url(), { method: 'POST', path: `/${id}`, headers, body, timeoutMs: HOSTILE_TIMEOUT_MS, ...extra });
}

const freshId = (prefix: string): string => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;

/** One attack: `workers` loops share a budget of `cap` runs, pausing `pauseMs` between runs. */
interface Attack {
  readonly workers: number;
  readonly cap: number;
  readonly pauseMs: number;
  run(n: number, stop: AbortSignal): Promise<void>;
}

/** The attacks by name, for `--attacks` (one at a time shows which one costs the normal traffic what). */
export const ATTACK_NAMES = ['truncatedMultipart', 'bombProbes', 'avifAtLimit', 'manyFrames', 'junkParts', 'slowLoris'] as const;

/**
 * Runs every attack (or those in `only`) until `stop` aborts (the phase ended) or its budget is spent,
 * then waits for the requests in flight. The budgets are per phase; see `attacks` for what each sends.
 */
export async function runHostileMix(target: HostileTarget, ammo: Ammunition, tally: Tally, stop: AbortSignal, only?: ReadonlySet<string>): Promise<void> {
  const chosen = Object.entries(attacks(target, ammo, tally)).filter(([name]) => only === undefined || only.has(name));
  const loops = chosen.flatMap(([name, attack]) => {
    let started = 0;
    return Array.from({ length: attack.workers }, async () => {
      while (!stop.aborted && started < attack.cap) {
        // Only the set-up can throw (a token request refused, or while the service is down): count it, go on.
        await attack.run(started++, stop).catch((error: unknown) => {
          tally.add(`${name}: set-up`, error instanceof TokenRefused ? error.status : `network error (${errorText(error)})`, 0);
        });
        if (attack.pauseMs > 0) await sleep(attack.pauseMs, undefined, { signal: stop }).catch(() => undefined);
      }
    });
  });
  await Promise.all(loops);
}

function attacks(target: HostileTarget, ammo: Ammunition, tally: Tally): Record<(typeof ATTACK_NAMES)[number], Attack> {
  const record = (kind: string) => (outcome: Outcome) => tally.add(kind, outcome.answer, outcome.ms);
  return {
    truncatedMultipart: { workers: 1, cap: 300, pauseMs: 100, run: truncatedMultipart(target, ammo, record) },
    bombProbes: { workers: 1, cap: 6, pauseMs: 5_000, run: (n) => bombBurst(target, ammo, n, record) },
    avifAtLimit: { workers: 2, cap: 20, pauseMs: 1_000, run: (n) => avifAtLimit(target, n).then(record('AVIF render at the size limit')) },
    manyFrames: { workers: 1, cap: 16, pauseMs: 2_000, run: manyFrames(target, ammo, record) },
    junkParts: { workers: 1, cap: 12, pauseMs: 1_000, run: (n) => junkParts(target, ammo, n, record) },
    slowLoris: { workers: 12, cap: 200, pauseMs: 0, run: (n, stop) => slowLoris(target, n, stop, record) },
  };
}

type Recorder = (kind: string) => (outcome: Outcome) => void;

/**
 * A multipart body that ends inside the image part (complete HTTP body, cut multipart), a garbled one, and
 * a client that hangs up mid-body. One token serves them all, as in the crash report: a failed upload
 * leaves it usable.
 */
function truncatedMultipart(target: HostileTarget, ammo: Ammunition, record: Recorder): Attack['run'] {
  const body = multipart([{ name: 'image', filename: 'a.jpg', data: ammo.photo }]);
  const closing = Buffer.byteLength(`\r\n--${BOUNDARY}--\r\n`);
  let slot: { id: string; token: string } | undefined;
  return async (n) => {
    if (slot === undefined) {
      const id = freshId('hostile_cut');
      slot = { id, token: await target.token(id) };
    }
    const cut = 1 + Math.floor(Math.random() * (body.length - closing - 1));
    let outcome: Outcome;
    if (n % 4 === 3) {
      outcome = await upload(target, slot.id, slot.token, body, { hangUpAfter: cut });
      record('multipart: client hangs up mid-body')(outcome);
    } else if (n % 4 === 2) {
      const garbled = Buffer.from(body);
      for (let k = 0; k < 16; k++) garbled[Math.floor(Math.random() * Math.min(garbled.length, 400))] = Math.floor(Math.random() * 256);
      outcome = await upload(target, slot.id, slot.token, garbled);
      record('multipart: garbled head bytes')(outcome);
    } else {
      outcome = await upload(target, slot.id, slot.token, body.subarray(0, cut));
      record('multipart: body ends inside the image part')(outcome);
    }
    // A garbled body can still be a valid upload (it uses the token up), and a token can expire.
    if (outcome.answer === '201' || outcome.answer === '403') slot = undefined;
  };
}

/** Eight concurrent upload probes with one token: six truncated 50 MP JPEGs and two corpus bombs. */
async function bombBurst(target: HostileTarget, ammo: Ammunition, n: number, record: Recorder): Promise<void> {
  const id = freshId('hostile_bomb');
  const token = await target.token(id);
  await Promise.all(
    Array.from({ length: 8 }, async (_, k) => {
      const bomb = ammo.bombs.length > 0 && k >= 6 ? ammo.bombs[(n * 2 + k) % ammo.bombs.length]! : undefined;
      const bytes = bomb?.bytes ?? ammo.truncatedHugeJpeg;
      const outcome = await upload(target, id, token, multipart([{ name: 'image', filename: bomb?.name ?? 'huge.jpg', data: bytes }]));
      record(bomb === undefined ? 'probe: truncated 50 MP JPEG' : `probe: bomb ${bomb.name}`)(outcome);
    }),
  );
}

const FITS = ['crop', 'clip', 'cover', 'canvas'] as const;

/** The largest box the limits allow, as AVIF; fit and quality vary so that no two requests share a render. */
function avifAtLimit(target: HostileTarget, n: number): Promise<Outcome> {
  const box = n % 2 === 0 ? '4096_4096' : '1024_1024_4x';
  const query = `fit=${FITS[Math.floor(n / 2) % FITS.length]}&quality=${1 + ((n * 37) % 100)}`;
  return send(target.url(), { method: 'GET', path: `/${target.photoId()}_${box}.avif?${query}`, timeoutMs: HOSTILE_TIMEOUT_MS });
}

/** Uploads the 40 000-frame GIF (to a new id each time) and renders the accepted ones to animated WebP/GIF. */
function manyFrames(target: HostileTarget, ammo: Ammunition, record: Recorder): Attack['run'] {
  const accepted: string[] = [];
  const body = multipart([{ name: 'image', filename: 'frames.gif', data: ammo.manyFrameGif }]);
  return async (n) => {
    if (n % 2 === 0 || accepted.length === 0) {
      const id = freshId('hostile_gif');
      const outcome = await upload(target, id, await target.token(id), body);
      if (outcome.answer === '201') accepted.push(id);
      record(`${GIF_FRAMES}-frame GIF: upload`)(outcome);
      return;
    }
    const path = `/${accepted[n % accepted.length]}_${32 + n}_32.${n % 4 === 1 ? 'webp' : 'gif'}?fit=crop`;
    record(`${GIF_FRAMES}-frame GIF: render`)(await send(target.url(), { method: 'GET', path, timeoutMs: HOSTILE_TIMEOUT_MS }));
  };
}

/** Bodies whose extra parts are the attack: 64 MiB after or before the image, many parts, a file part first. */
async function junkParts(target: HostileTarget, ammo: Ammunition, n: number, record: Recorder): Promise<void> {
  const image: Part = { name: 'image', filename: 'photo.jpg', data: ammo.photo };
  const junk = { chunk: Buffer.alloc(64 * 1024, 'j'), times: 1024 };
  const variants: Array<[string, readonly Part[], boolean]> = [
    ['junk: 64 MiB file part after the image (chunked)', [image, { name: 'junk', filename: 'junk.bin', data: junk }], true],
    ['junk: 64 MiB text field before the image (chunked)', [{ name: 'note', data: junk }, image], true],
    ['junk: 30 small fields, then the image', [...Array.from({ length: 30 }, (_, k) => ({ name: `f${k}`, data: Buffer.from('x') })), image], false],
    ['junk: a 1 MiB file part before the image', [{ name: 'junk', filename: 'junk.bin', data: Buffer.alloc(MIB, 'j') }, image], false],
  ];
  const [kind, parts, chunked] = variants[n % variants.length]!;
  const id = freshId('hostile_junk');
  const token = await target.token(id);
  record(kind)(await upload(target, id, token, chunked ? multipartChunks(parts) : multipart(parts)));
}

/** Heads and upload bodies sent one byte a second; each connection lives until the service closes it. */
async function slowLoris(target: HostileTarget, n: number, stop: AbortSignal, record: Recorder): Promise<void> {
  const lifetimeMs = SLOW_LIFETIME_MS;
  let opening = `GET /${target.photoId()}_100_100.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `;
  let kind = 'slow head (1 byte/s)';
  if (n % 3 === 2) {
    const id = freshId('hostile_slow');
    const head = [`POST /${id} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Type: ${MULTIPART}`, 'Content-Length: 1000000', `X-Token: ${await target.token(id)}`];
    opening = `${head.join('\r\n')}\r\n\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n`;
    kind = 'slow upload body (1 byte/s)';
  }
  const outcome = await trickle(target.url(), { opening, drip: 'abcdefghij', everyMs: 1_000, lifetimeMs, stop });
  // A connection cut short by the end of the phase only says that the service had not closed it yet.
  const cutShort = outcome.answer === STILL_OPEN && outcome.ms < lifetimeMs - 1_000;
  record(kind)(cutShort ? { ...outcome, answer: 'still open when the phase ended' } : outcome);
}
