import type { FocalPoint } from '../../domain/focal-point.js';
import type { ImageId } from '../../domain/image-id.js';
import type { Limits } from '../../domain/limits.js';
import type { OriginalMetadata } from '../../domain/original.js';
import { Token, type TokenHash } from '../../domain/token.js';
import { OriginalExistsError, TokenRejectedError } from '../application-error.js';
import { OriginalIntake, type OriginalIntakeDependencies } from '../original-intake.js';
import type { TokenStore } from '../ports/token-store.js';

export interface UploadOriginalSettings {
  readonly allowOverwrite: boolean;
  /** The originals' limits, checked against the header before anything is decoded (413). */
  readonly limits: Pick<Limits, 'maxInputPixels' | 'maxFrames'>;
}

export interface UploadOriginalDependencies extends OriginalIntakeDependencies {
  readonly tokens: TokenStore;
}

export interface UploadOriginalInput {
  readonly id: ImageId;
  /** The token value as presented by the client (`X-Token`); undefined when absent. */
  readonly token: string | undefined;
  readonly bytes: Uint8Array;
  /** The upload field `focal=x,y` (SPEC §9), already parsed; absent: none. */
  readonly focalPoint?: FocalPoint;
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
  private readonly intake: OriginalIntake;

  constructor(
    private readonly deps: UploadOriginalDependencies,
    private readonly settings: UploadOriginalSettings,
  ) {
    this.intake = new OriginalIntake(deps, settings.limits);
  }

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
    const admitted = await this.intake.admit(input.bytes);
    const previous = await this.deps.index.findOriginal(input.id);
    if (previous !== undefined && !this.settings.allowOverwrite) {
      throw new OriginalExistsError(`an original with id ${input.id} already exists`);
    }

    if (!(await this.deps.tokens.claim(hash, this.deps.clock.now()))) throw new TokenRejectedError('used');
    const original = this.intake.describe(input.id, input.bytes, admitted, input.focalPoint);
    await this.intake.store(original, input.bytes, {
      replace: this.settings.allowOverwrite,
      previous,
      // Only a successful upload uses the token up.
      undo: () => this.deps.tokens.release(hash),
    });
    return { original, replaced: previous !== undefined };
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
}
