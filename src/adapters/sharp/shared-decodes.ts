import { LruMap } from '../../application/lru-map.js';

/** An original decoded at a JPEG shrink-on-load factor: its 8-bit pixels as libvips holds them after that decode. */
export interface DecodedOriginal {
  readonly pixels: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

interface Held {
  readonly decoding: Promise<DecodedOriginal>;
  /** The most its pixels can take, known before the decode ends. */
  readonly bytes: number;
}

/**
 * How many of the most recently rendered original files count as recent. A file rendered again while it is among
 * them has its decode kept for the renders after it; one that comes back after many others (a cold scan over a
 * library) is decoded by each render itself, so that such traffic never pays for a decode that is not reused.
 */
const RECENT_FILES = 32;

/**
 * Decodes of original files shared by renders of the same file at the same JPEG shrink-on-load factor (ADR 0037),
 * within a budget of bytes, least recently used dropped first. The first render of a file decodes it itself; a
 * second one soon after decodes it once for itself and the renders after it, which then only resize and encode.
 * Original files never change under their path (each content version is its own file), so a held decode stays
 * true; a decode that fails is not kept.
 */
export class SharedDecodes {
  private readonly held: LruMap<string, Held>;
  private readonly recent = new LruMap<string, { sharable?: Promise<boolean> }>(RECENT_FILES);

  constructor(private readonly maxBytes: number) {
    this.held = new LruMap<string, Held>(maxBytes, (held) => held.bytes);
  }

  /** Decodes held now (or under way), and the bytes they take at most. */
  get size(): { readonly decodes: number; readonly bytes: number } {
    return { decodes: this.held.size, bytes: this.held.held };
  }

  /**
   * The decode of `file` at `factor` to render from: one held already or under way, or one started now (`decode`)
   * when `file` was rendered recently and `sharable` says its decode can stand for its renders' own. `undefined`
   * when the render should decode the file itself. `bytes`: the most the decode's pixels can take; a decode larger
   * than half the budget is never held.
   */
  async decodeFor(
    file: string,
    factor: number,
    bytes: number,
    decode: () => Promise<DecodedOriginal>,
    sharable: () => Promise<boolean>,
  ): Promise<DecodedOriginal | undefined> {
    if (bytes > this.maxBytes / 2) return undefined;
    const key = `${factor}:${file}`;
    const held = this.held.get(key);
    if (held !== undefined) return held.decoding;
    const seen = this.recent.get(file);
    if (seen === undefined) {
      this.recent.set(file, {});
      return undefined;
    }
    seen.sharable ??= sharable();
    if (!(await seen.sharable)) return undefined;
    // Another render may have started it while this one waited for the answer.
    const started = this.held.get(key);
    if (started !== undefined) return started.decoding;
    const decoding = decode();
    this.held.set(key, { decoding, bytes });
    decoding.catch(() => {
      if (this.held.get(key)?.decoding === decoding) this.held.delete(key);
    });
    return decoding;
  }
}
