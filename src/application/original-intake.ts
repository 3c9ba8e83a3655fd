import type { FocalPoint } from '../domain/focal-point.js';
import type { ImageId } from '../domain/image-id.js';
import { checkOriginalSize, type Limits } from '../domain/limits.js';
import { contentVersionOf, type ImageInfo, type OriginalMetadata } from '../domain/original.js';
import type { Placeholder } from '../domain/placeholder.js';
import { estimateDecodeMs } from '../domain/render-cost.js';
import type { BackgroundTasks } from './background-tasks.js';
import { placeholderOf } from './placeholders.js';
import { purgeRenditionsOfVersion } from './purge-renditions.js';
import type { CacheIndex } from './ports/cache-index.js';
import type { Clock } from './ports/clock.js';
import type { OriginalStore } from './ports/original-store.js';
import type { PlaceholderEncoder } from './ports/placeholder-encoder.js';
import type { RenditionCache } from './ports/rendition-cache.js';
import type { Transformer } from './ports/transformer.js';
import type { RenderGate } from './render-gate.js';

export interface OriginalIntakeDependencies {
  readonly index: CacheIndex;
  readonly originals: OriginalStore;
  readonly renditions: RenditionCache;
  readonly transformer: Transformer;
  readonly placeholders: PlaceholderEncoder;
  readonly clock: Clock;
  readonly background: BackgroundTasks;
  /** The decode proof counts against the render slots (SPEC §6 "Load"); without a gate it is not limited. */
  readonly gate?: RenderGate;
}

/** What the probe learned about admitted bytes: the header's facts and the placeholder from the decode proof. */
export interface AdmittedOriginal {
  readonly info: ImageInfo;
  readonly placeholder: Placeholder;
}

export interface StoreOriginalOptions {
  /** Replace an existing row for the id (otherwise the index refuses with `OriginalExistsError`). */
  readonly replace: boolean;
  /** The original this one replaces, if any: its renditions and object are removed once the new one is recorded. */
  readonly previous: OriginalMetadata | undefined;
  /** Runs (as a background task) when the write fails, before the failure is rethrown. */
  readonly undo?: () => Promise<void>;
}

/**
 * How an original gets in, whoever brings it (an upload with its token, a bulk import): the bytes are probed
 * like an upload (header checked against the limits, then a decode proof) and stored byte for byte, object
 * first, index row after.
 */
export class OriginalIntake {
  constructor(
    private readonly deps: OriginalIntakeDependencies,
    private readonly limits: Pick<Limits, 'maxInputPixels' | 'maxFrames'>,
  ) {}

  /**
   * The header first, checked against the limits: a bomb is refused (413) in milliseconds without waiting for a
   * render slot. Only the decode proof, which costs as much as a render, takes one (a heavy one for a large image);
   * the placeholder (SPEC §9) comes from that same decode.
   */
  async admit(bytes: Uint8Array): Promise<AdmittedOriginal> {
    const { transformer, gate } = this.deps;
    const info = await transformer.inspect(bytes);
    checkOriginalSize(info, this.limits);
    const verify = () => transformer.verify(bytes, info);
    const preview = await (gate === undefined ? verify() : gate.run(verify, estimateDecodeMs(info)));
    return { info, placeholder: placeholderOf(this.deps.placeholders, preview) };
  }

  /** What the index will keep about these bytes, stamped now, with the focal point given with them (if any). */
  describe(id: ImageId, bytes: Uint8Array, admitted: AdmittedOriginal, focalPoint?: FocalPoint): OriginalMetadata {
    const { info, placeholder } = admitted;
    return {
      id,
      version: contentVersionOf(bytes),
      format: info.format,
      width: info.width,
      height: info.height,
      pages: info.pages,
      hasAlpha: info.hasAlpha,
      bytes: bytes.length,
      uploadedAt: this.deps.clock.now(),
      placeholder,
      focalPoint,
    };
  }

  /** Writes the object, then the index row; a replaced version is purged in the background afterwards. */
  async store(original: OriginalMetadata, bytes: Uint8Array, options: StoreOriginalOptions): Promise<void> {
    const { background } = this.deps;
    try {
      await this.deps.originals.put(original, bytes, `image/${original.format}`);
      await this.deps.index.saveOriginal(original, { replace: options.replace });
    } catch (error) {
      // Undo what this write did; follow-up failures are logged by the task runner, and the caller sees the
      // original failure.
      if (options.undo !== undefined) await background.run(`undo intake of ${original.id}`, options.undo);
      await background.run(`discard unreferenced ${original.id}@${original.version.slice(0, 16)}`, () => this.discardUnreferenced(original));
      throw error;
    }
    const previous = options.previous;
    if (previous !== undefined && previous.version !== original.version) {
      void background.run(`purge ${previous.id}@${previous.version.slice(0, 16)}`, async () => {
        await purgeRenditionsOfVersion(this.deps, previous);
        await this.deps.originals.delete(previous);
      });
    }
  }

  /**
   * After a failed write (a concurrent upload won the index row, or the index failed), removes our object
   * unless the index references that very content.
   */
  private async discardUnreferenced(original: OriginalMetadata): Promise<void> {
    const winner = await this.deps.index.findOriginal(original.id);
    if (winner?.version !== original.version) await this.deps.originals.delete(original);
  }
}
