import { expect } from 'chai';
import { InMemoryTokenStore } from '../../../src/adapters/in-memory/in-memory-token-store.js';
import { ImportLegacyTokens } from '../../../src/application/use-cases/import-legacy-tokens.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import { Token } from '../../../src/domain/token.js';
import { ManualClock } from '../../support/manual-clock.js';

const UUID = '7c9e6679-7425-40de-944b-e07cc6b5f0aa';

describe('ImportLegacyTokens', () => {
  const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
  const inMinutes = (minutes: number): Date => new Date(clock.now().getTime() + minutes * 60_000);

  it('stores a still-valid old token by hash only, so its client uploads with the very value it holds, once', async () => {
    const tokens = new InMemoryTokenStore();
    const summary = await new ImportLegacyTokens({ tokens, clock }).execute({ records: [{ value: UUID, imageId: 'late', validUntil: inMinutes(10) }] });
    expect(summary).to.deep.equal({ imported: 1, skipped: 0, expired: 0, refused: [] });
    const stored = await tokens.find(Token.hashOf(UUID));
    expect(stored?.toPrimitives()).to.deep.equal({ hash: Token.hashOf(UUID), imageId: 'late', expiresAt: inMinutes(10), usedAt: undefined });
    expect(stored?.check('late' as ImageId, clock.now())).to.deep.equal({ ok: true });
    expect(await tokens.claim(Token.hashOf(UUID), clock.now())).to.equal(true);
    expect(await tokens.claim(Token.hashOf(UUID), clock.now())).to.equal(false);
  });

  it('leaves expired tokens and tokens for ids it cannot hold behind, saying why', async () => {
    const tokens = new InMemoryTokenStore();
    const summary = await new ImportLegacyTokens({ tokens, clock }).execute({
      records: [
        { value: 'a', imageId: 'gone', validUntil: inMinutes(-1) },
        { value: 'b', imageId: 'now', validUntil: clock.now() },
        { value: 'c', imageId: 'has a space', validUntil: inMinutes(5) },
      ],
    });
    expect(summary.imported).to.equal(0);
    expect(summary.expired).to.equal(2);
    expect(summary.refused).to.deep.equal([{ imageId: 'has a space', reason: 'the id is not one this service accepts (1–128 of A–Z a–z 0–9 _ -)' }]);
    expect(await tokens.find(Token.hashOf('c'))).to.equal(undefined);
  });

  it('a second run skips what the first stored and never makes a used token usable again', async () => {
    const tokens = new InMemoryTokenStore();
    const useCase = new ImportLegacyTokens({ tokens, clock });
    const records = [{ value: UUID, imageId: 'late', validUntil: inMinutes(10) }];
    await useCase.execute({ records });
    await tokens.claim(Token.hashOf(UUID), clock.now());
    expect(await useCase.execute({ records })).to.deep.equal({ imported: 0, skipped: 1, expired: 0, refused: [] });
    expect((await tokens.find(Token.hashOf(UUID)))?.usedAt).to.deep.equal(clock.now());
  });

  it('a dry run counts but stores nothing', async () => {
    const tokens = new InMemoryTokenStore();
    const summary = await new ImportLegacyTokens({ tokens, clock }).execute({ records: [{ value: UUID, imageId: 'late', validUntil: inMinutes(10) }], dryRun: true });
    expect(summary.imported).to.equal(1);
    expect(await tokens.find(Token.hashOf(UUID))).to.equal(undefined);
  });
});
