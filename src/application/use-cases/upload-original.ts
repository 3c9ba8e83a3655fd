import type { ImageId } from '../../domain/image-id.js';
import { checkOriginalSize, type Limits } from '../../domain/limits.js';
import { contentVersionOf, type ImageInfo, type OriginalMetadata } from '../../domain/original.js';
import { estimateDecodeMs } from '../../domain/render-cost.js';
import { renditionPrefix } from '../../domain/object-key.js';
import { Token, type TokenHash } from '../../domain/token.js';
import { OriginalExistsError, TokenRejectedError } from '../application-error.js';
import type { BackgroundTasks } from '../background-tasks.js';
import type { RenderGate } from '../render-gate.js';
import type { CacheIndex } from '../ports/cache-index.js';
import type { Clock } from '../ports/clock.js';
import type { OriginalStore } from '../ports/original-store.js';
import type { RenditionCache } from '../ports/rendition-cache.js';
import type { TokenStore } from '../ports/token-store.js';
import type { Transformer } from '../ports/transformer.js';

export interface UploadOriginalSettings {
  readonly allowOverwrite: boolean;
  /** The originals' limits, checked against the header before anything is decoded (413). */
  readonly limits: Pick<Limits, 'maxInputPixels' | 'maxFrames'>;
}

export interface UploadOriginalDependencies {
  readonly tokens: TokenStore;
  readonly index: CacheIndex;
  readonly originals: OriginalStore;
  readonly renditions: RenditionCache;
  readonly transformer: Transformer;
  readonly clock: Clock;
  readonly background: BackgroundTasks;
  /** The decode proof counts against the render slots (SPEC §6 "Load"); without a gate it is not limited. */
  readonly gate?: RenderGate;
}

export interface UploadOriginalInput {
  readonly id: ImageId;
  /** The token value as presented by the client (`X-Token`); undefined when absent. */
  readonly token: string | undefined;
  readonly bytes: Uint8Array;
}

export interface UploadOriginalOutput {
  readonly original: OriginalMetadata;
  readonly replaced: boolean;
}

/**
 * Stores an uploaded original byte for byte (SPEC §5.2–5.3). The token is claimed atomically before
 * the write and released again if anything after that fails, so only a successful upload uses it up.
 */
export class UploadOriginal {
  constructor(
    private readonly deps: UploadOriginalDependencies,
    private readonly settings: UploadOriginalSettings,
  ) {}

  /**
   * Checks the token without using it up, so a caller can refuse an upload before reading its body.
   * `execute` checks again: this is an early exit, not the decision.
   */
  async authorize(input: Pick<UploadOriginalInput, 'id' | 'token'>): Promise<void> {
    await this.verifiedTokenHash(input);
  }

  async execute(input: UploadOriginalInput): Promise<UploadOriginalOutput> {
    const hash = await this.verifiedTokenHash(input);

    // Decided from the bytes before anything is written or the token touched.
    const info = await this.admit(input.bytes);
    const previous = await this.deps.index.findOriginal(input.id);
    if (previous !== undefined && !this.settings.allowOverwrite) {
      throw new OriginalExistsError(`an original with id ${input.id} already exists`);
    }

    if (!(await this.deps.tokens.claim(hash, this.deps.clock.now()))) throw new TokenRejectedError('used');
    const original: OriginalMetadata = {
      id: input.id,
      version: contentVersionOf(input.bytes),
      format: info.format,
      width: info.width,
      height: info.height,
      pages: info.pages,
      hasAlpha: info.hasAlpha,
      bytes: input.bytes.length,
      uploadedAt: this.deps.clock.now(),
    };
    try {
      await this.deps.originals.put(original, input.bytes, `image/${info.format}`);
      await this.deps.index.saveOriginal(original, { replace: this.settings.allowOverwrite });
    } catch (error) {
      // Undo what this upload did; follow-up failures are logged by the task runner, and the caller
      // sees the original failure.
      await this.deps.background.run(`release token for ${input.id}`, () => this.deps.tokens.release(hash));
      await this.deps.background.run(`discard unreferenced ${input.id}@${original.version.slice(0, 16)}`, () => this.discardUnreferenced(original));
      throw error;
    }

    if (previous !== undefined && previous.version !== original.version) {
      void this.deps.background.run(`purge ${previous.id}@${previous.version.slice(0, 16)}`, async () => {
        await this.deps.index.deleteRenditionsOfVersion(previous.id, previous.version);
        await this.deps.renditions.purge(renditionPrefix(previous));
        await this.deps.originals.delete(previous);
      });
    }
    return { original, replaced: previous !== undefined };
  }

  /**
   * The header first, checked against the limits: a bomb is refused (413) in milliseconds without waiting for a
   * render slot. Only the decode proof, which costs as much as a render, takes one (a heavy one for a large image).
   */
  private async admit(bytes: Uint8Array): Promise<ImageInfo> {
    const { transformer, gate } = this.deps;
    const info = await transformer.inspect(bytes);
    checkOriginalSize(info, this.settings.limits);
    const verify = () => transformer.verify(bytes, info);
    await (gate === undefined ? verify() : gate.run(verify, estimateDecodeMs(info)));
    return info;
  }

  private async verifiedTokenHash(input: Pick<UploadOriginalInput, 'id' | 'token'>): Promise<TokenHash> {
    if (input.token === undefined || input.token === '') throw new TokenRejectedError('unknown');
    const hash = Token.hashOf(input.token);
    const token = await this.deps.tokens.find(hash);
    if (token === undefined) throw new TokenRejectedError('unknown');
    const check = token.check(input.id, this.deps.clock.now());
    if (!check.ok) throw new TokenRejectedError(check.reason);
    return hash;
  }

  /**
   * After a failed upload (a concurrent upload won the index row, or the index failed), removes our
   * object unless the index references that very content.
   */
  private async discardUnreferenced(original: OriginalMetadata): Promise<void> {
    const winner = await this.deps.index.findOriginal(original.id);
    if (winner?.version !== original.version) await this.deps.originals.delete(original);
  }
}
