import { LruMap } from '../../application/lru-map.js';

/** An original decoded at a JPEG shrink-on-load factor: its 8-bit pixels as libvips holds them after that decode. */
export interface DecodedOriginal {
  readonly pixels: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  /** The file's EXIF orientation (1 when it has none), which the decode leaves to the renders to apply. */
  readonly orientation?: number;
}

/** What a file's header says about sharing its decode, read once per recent file: its EXIF orientation (1 when none). */
export interface SharableFile {
  readonly orientation: number;
}

/** A decode lent to one render: its pixels stay untouched until `release`, which the render calls once, when it ends. */
export interface DecodeLease {
  readonly decoded: DecodedOriginal;
  release(): void;
}

interface Held {
  /** What the file's header said, which each render's `usable` is asked about. */
  readonly header: SharableFile;
  readonly decoding: Promise<DecodedOriginal>;
  /** The slab the pixels are copied into: the most they can take. */
  readonly slab: Buffer;
  /** Renders holding a lease on it, or waiting for its decode. */
  users: number;
  /** Dropped from `held` while in use: its slab is free once its last user releases it. */
  dropped: boolean;
}

/**
 * How many of the most recently rendered original files count as recent. A file rendered again while it is among
 * them has its decode kept for the renders after it; one that comes back after many others (a cold scan over a
 * library) is decoded by each render itself, so that such traffic never pays for a decode that is not reused.
 */
const RECENT_FILES = 32;

/**
 * Slabs come in whole MiB, so that decodes of similar sizes (a 2725×2225 photo at 1/4 takes 1.1 MB, a 7360×4912 one
 * at 1/8 1.7 MB) reuse each other's slabs rather than give them back and allocate anew.
 */
const SLAB_UNIT = 1024 * 1024;

/**
 * Decodes of original files shared by renders of the same file at the same JPEG shrink-on-load factor (ADR 0037),
 * within a budget of bytes, least recently used dropped first. The first render of a file decodes it itself; a
 * second one soon after decodes it once for itself and the renders after it, which then only resize and encode.
 * Original files never change under their path (each content version is its own file), so a held decode stays
 * true; a decode that fails is not kept.
 *
 * The pixels live in slabs allocated once and reused, never in the buffers sharp returns: a dropped decode's
 * buffer would stay resident until V8's next full collection, which its external-memory accounting may put off
 * for tens of megabytes, so decodes coming and going would hold far more memory than the budget.
 */
export class SharedDecodes {
  /** In least-recently-used order (a use moves an entry to the end). */
  private readonly held = new Map<string, Held>();
  private readonly recent = new LruMap<string, { sharable?: Promise<SharableFile | undefined> }>(RECENT_FILES);
  private readonly freeSlabs: Buffer[] = [];
  /** Bytes of every slab, free or in use. */
  private slabBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Decodes held now (or under way), and the bytes of every slab allocated (free or in use). */
  get size(): { readonly decodes: number; readonly bytes: number } {
    return { decodes: this.held.size, bytes: this.slabBytes };
  }

  /**
   * A lease on the decode of `file` at `factor` to render from: one held already or under way, or one started now
   * (`decode`, which returns sharp's buffer; it is copied into a slab) when `file` was rendered recently, `sharable`
   * (its header, read once) says its decode can stand for its renders' own, and `usable` says this render can use
   * it. `undefined` when the render should decode the file itself. `bytes`: the most the decode's pixels can take; a
   * decode whose slab (whole MiB) is larger than half the budget is never held. A decode held already is lent only
   * where `usable` says so too.
   */
  async lease(
    file: string,
    factor: number,
    bytes: number,
    decode: (header: SharableFile) => Promise<DecodedOriginal>,
    sharable: () => Promise<SharableFile | undefined>,
    usable: (header: SharableFile) => boolean = () => true,
  ): Promise<DecodeLease | undefined> {
    const size = Math.ceil(bytes / SLAB_UNIT) * SLAB_UNIT;
    if (size > this.maxBytes / 2) return undefined;
    const key = `${factor}:${file}`;
    const held = this.held.get(key);
    if (held !== undefined) return usable(held.header) ? this.leaseOf(key) : undefined;
    const seen = this.recent.get(file);
    if (seen === undefined) {
      this.recent.set(file, {});
      return undefined;
    }
    seen.sharable ??= sharable();
    const header = await seen.sharable;
    if (header === undefined || !usable(header)) return undefined;
    // Another render may have started it (from the same header) while this one waited for the answer.
    if (this.held.has(key)) return this.leaseOf(key);
    const slab = this.slab(size);
    if (slab === undefined) return undefined;
    const decoding = decode(header).then((decoded) => {
      if (decoded.pixels.length > slab.length) throw new Error(`a decode of ${decoded.pixels.length} bytes does not fit its ${slab.length}-byte slab`);
      decoded.pixels.copy(slab);
      return { ...decoded, pixels: slab.subarray(0, decoded.pixels.length) };
    });
    this.held.set(key, { header, decoding, slab, users: 0, dropped: false });
    return this.leaseOf(key);
  }

  private async leaseOf(key: string): Promise<DecodeLease> {
    const held = this.held.get(key)!;
    this.held.delete(key);
    this.held.set(key, held);
    held.users += 1;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.dropped && held.users === 0) this.freeSlabs.push(held.slab);
    };
    try {
      return { decoded: await held.decoding, release };
    } catch (error) {
      // Not kept: the next render decodes again.
      if (this.held.get(key) === held) this.drop(key, held);
      release();
      throw error;
    }
  }

  /** A free slab of at least `bytes`, allocated within the budget, making room by dropping idle decodes; or none. */
  private slab(bytes: number): Buffer | undefined {
    for (;;) {
      const fitting = this.freeSlabs.filter((slab) => slab.length >= bytes).sort((a, b) => a.length - b.length)[0];
      if (fitting !== undefined) {
        this.freeSlabs.splice(this.freeSlabs.indexOf(fitting), 1);
        return fitting;
      }
      if (this.slabBytes + bytes <= this.maxBytes) {
        this.slabBytes += bytes;
        return Buffer.allocUnsafeSlow(bytes);
      }
      // Too small free slabs give their bytes back first; then the least recently used idle decode gives its slab.
      const smallest = this.freeSlabs.sort((a, b) => a.length - b.length).shift();
      if (smallest !== undefined) {
        this.slabBytes -= smallest.length;
        continue;
      }
      const idle = [...this.held].find(([, held]) => held.users === 0);
      if (idle === undefined) return undefined;
      this.drop(...idle);
    }
  }

  private drop(key: string, held: Held): void {
    this.held.delete(key);
    held.dropped = true;
    if (held.users === 0) this.freeSlabs.push(held.slab);
  }
}
