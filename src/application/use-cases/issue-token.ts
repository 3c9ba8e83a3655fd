import { TOKEN_BYTES, Token } from '../../domain/token.js';
import type { ImageId } from '../../domain/image-id.js';
import { OriginalExistsError } from '../application-error.js';
import type { CacheIndex } from '../ports/cache-index.js';
import type { Clock } from '../ports/clock.js';
import type { RandomSource } from '../ports/random-source.js';
import type { TokenStore } from '../ports/token-store.js';

export interface IssueTokenSettings {
  readonly ttlSeconds: number;
  readonly allowOverwrite: boolean;
}

export interface IssueTokenInput {
  readonly id: ImageId;
}

export interface IssueTokenOutput {
  readonly token: string;
  readonly id: ImageId;
  readonly expiresAt: Date;
}

/** Issues a one-time upload token for one id (SPEC §5.1). */
export class IssueToken {
  constructor(
    private readonly tokens: TokenStore,
    private readonly index: CacheIndex,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly settings: IssueTokenSettings,
  ) {}

  async execute(input: IssueTokenInput): Promise<IssueTokenOutput> {
    if (!this.settings.allowOverwrite && (await this.index.findOriginal(input.id)) !== undefined) {
      throw new OriginalExistsError(`an original with id ${input.id} already exists`);
    }
    const { value, token } = Token.issue({
      imageId: input.id,
      secret: this.random.bytes(TOKEN_BYTES),
      now: this.clock.now(),
      ttlSeconds: this.settings.ttlSeconds,
    });
    await this.tokens.save(token);
    return { token: value, id: input.id, expiresAt: token.expiresAt };
  }
}
