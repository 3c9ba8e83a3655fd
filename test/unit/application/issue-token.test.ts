import { expect } from 'chai';
import { OriginalExistsError } from '../../../src/application/application-error.js';
import { Token } from '../../../src/domain/token.js';
import { createApplicationHarness } from '../../support/application-harness.js';
import { solidJpeg } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { uniqueId } from '../../support/unique-id.js';

describe('IssueToken', () => {
  it('issues a token for the id that expires after the configured time and is stored by hash only', async () => {
    const h = createApplicationHarness({ tokenTtlSeconds: 120 });
    const id = uniqueId('tok');
    const issued = await h.issueToken.execute({ id });

    expect(issued.id).to.equal(id);
    expect(issued.expiresAt.getTime()).to.equal(h.clock.now().getTime() + 120_000);
    const stored = await h.tokens.find(Token.hashOf(issued.token));
    expect(stored?.imageId).to.equal(id);
    expect(stored?.usedAt).to.equal(undefined);
    expect(stored?.hash).to.not.include(issued.token);
  });

  it('issues a different token every time', async () => {
    const h = createApplicationHarness();
    const id = uniqueId('tok');
    const values = new Set<string>();
    for (let i = 0; i < 20; i += 1) values.add((await h.issueToken.execute({ id })).token);
    expect(values.size).to.equal(20);
  });

  it('refuses an id that already has an original unless overwriting is allowed', async () => {
    const bytes = await solidJpeg(8, 8);
    const refusing = createApplicationHarness({ allowOverwrite: false });
    const id = uniqueId('tok');
    await refusing.seedOriginal(id, bytes);
    await expectRejection(refusing.issueToken.execute({ id }), OriginalExistsError);

    const allowing = createApplicationHarness({ allowOverwrite: true });
    await allowing.seedOriginal(id, bytes);
    const issued = await allowing.issueToken.execute({ id });
    expect(issued.id).to.equal(id);
  });
});
