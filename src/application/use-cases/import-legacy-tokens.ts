import { isImageId } from '../../domain/image-id.js';
import { Token } from '../../domain/token.js';
import type { Clock } from '../ports/clock.js';
import type { LegacyTokenRecord } from '../ports/legacy-deployment.js';
import type { TokenStore } from '../ports/token-store.js';

export interface LegacyTokenImportSummary {
  /** Stored (or, in a dry run, that would be stored). */
  readonly imported: number;
  /** Already stored by an earlier run. */
  readonly skipped: number;
  /** Expired by now: an upload could no longer use them. */
  readonly expired: number;
  /** For an id this service cannot hold (SPEC §2): an upload with them could never succeed. */
  readonly refused: readonly { readonly imageId: string; readonly reason: string }[];
}

/**
 * Brings the original service's still-valid unused upload tokens over (SPEC §10), so a client that was handed
 * one just before the switch can still upload with it, once. Stored as ours are (ADR 0008): by hash only, with
 * the old expiry. Idempotent: a token already stored is skipped, never reset to unused.
 */
export class ImportLegacyTokens {
  constructor(private readonly deps: { readonly tokens: TokenStore; readonly clock: Clock }) {}

  async execute(input: { readonly records: readonly LegacyTokenRecord[]; readonly dryRun?: boolean }): Promise<LegacyTokenImportSummary> {
    const now = this.deps.clock.now();
    let imported = 0;
    let skipped = 0;
    let expired = 0;
    const refused: Array<{ imageId: string; reason: string }> = [];
    for (const record of input.records) {
      if (record.validUntil.getTime() <= now.getTime()) {
        expired += 1;
        continue;
      }
      if (!isImageId(record.imageId) || record.value === '') {
        refused.push({ imageId: record.imageId, reason: record.value === '' ? 'the token has no value' : 'the id is not one this service accepts (1–128 of A–Z a–z 0–9 _ -)' });
        continue;
      }
      const token = Token.adopt({ value: record.value, imageId: record.imageId, expiresAt: record.validUntil });
      if ((await this.deps.tokens.find(token.hash)) !== undefined) {
        skipped += 1;
        continue;
      }
      if (input.dryRun !== true) await this.deps.tokens.save(token);
      imported += 1;
    }
    return { imported, skipped, expired, refused };
  }
}
