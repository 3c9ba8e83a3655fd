import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { InMemoryTokenStore } from '../../../src/adapters/in-memory/in-memory-token-store.js';
import { IndexUnavailableError } from '../../../src/application/application-error.js';
import { Token, TOKEN_BYTES } from '../../../src/domain/token.js';
import { describeTokenStoreContract } from '../../contract/token-store.contract.js';
import { uniqueId } from '../../support/unique-id.js';

describeTokenStoreContract('InMemoryTokenStore', async () => {
  const subject = new InMemoryTokenStore();
  return {
    subject,
    cleanup: async () => {},
    simulateOutage: async () => subject.fail(),
  };
});

describe('InMemoryTokenStore (fake-only behaviour)', () => {
  it('keeps its tokens through a simulated outage and serves them again after recover()', async () => {
    const store = new InMemoryTokenStore();
    const now = new Date();
    const { token } = Token.issue({ imageId: uniqueId('img_'), secret: randomBytes(TOKEN_BYTES), now, ttlSeconds: 60 });
    await store.save(token);
    const cause = new Error('connection reset');
    store.fail(cause);
    expect(store.failing).to.equal(true);
    const error = await store.claim(token.hash, now).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(IndexUnavailableError);
    expect((error as Error).cause).to.equal(cause);
    store.recover();
    expect(await store.claim(token.hash, now)).to.equal(true);
  });
});
