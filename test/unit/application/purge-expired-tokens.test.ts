import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { InMemoryTokenStore } from '../../../src/adapters/in-memory/in-memory-token-store.js';
import { PurgeExpiredTokens, tokenPurgeIntervalMs } from '../../../src/application/use-cases/purge-expired-tokens.js';
import { parseImageId } from '../../../src/domain/image-id.js';
import { TOKEN_BYTES, Token } from '../../../src/domain/token.js';
import { ManualClock } from '../../support/manual-clock.js';
import { TestLogger } from '../../support/test-logger.js';

describe('PurgeExpiredTokens', () => {
  async function issued(tokens: InMemoryTokenStore, clock: ManualClock, ttlSeconds: number): Promise<Token> {
    const { token } = Token.issue({ imageId: parseImageId('purged'), secret: randomBytes(TOKEN_BYTES), now: clock.now(), ttlSeconds });
    await tokens.save(token);
    return token;
  }

  it('deletes the tokens that have expired, keeps the others, and says how many it deleted', async () => {
    const tokens = new InMemoryTokenStore();
    const clock = new ManualClock();
    const logger = new TestLogger();
    const short = await issued(tokens, clock, 60);
    const long = await issued(tokens, clock, 600);
    const purge = new PurgeExpiredTokens({ tokens, clock, logger }, { ttlSeconds: 60 });

    expect(await purge.execute()).to.equal(0);
    clock.advanceSeconds(61);
    expect(await purge.execute()).to.equal(1);
    expect(await tokens.find(short.hash)).to.equal(undefined);
    expect(await tokens.find(long.hash)).to.not.equal(undefined);
    expect(logger.at('info').map((entry) => entry.fields.purged)).to.deep.equal([1]);
  });

  it('runs once per token lifetime, but not more often than every second nor less than every ten minutes', () => {
    expect(tokenPurgeIntervalMs(0.2)).to.equal(1_000);
    expect(tokenPurgeIntervalMs(900)).to.equal(600_000);
    expect(tokenPurgeIntervalMs(120)).to.equal(120_000);
  });
});
