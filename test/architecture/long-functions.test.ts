import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { expect } from 'chai';
import { longFunctionsWithoutReason } from './long-functions.js';
import { ROOT } from './source-program.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/long-functions/', import.meta.url));

describe('architecture: no function in src/ is longer than 60 lines without a reason', function () {
  this.timeout(60_000);

  it('src/ and the client package have none (add `// Longer than 60 lines: <why>` above one that must be)', () => {
    const found = [path.join(ROOT, 'src'), path.join(ROOT, 'packages/client/src')].flatMap((dir) => longFunctionsWithoutReason(ROOT, dir));
    expect(found, `functions longer than 60 lines without a reason:\n  ${found.join('\n  ')}`).to.deep.equal([]);
  });

  it('the check bites: the fixture’s long functions are reported by file:line, the one with a reason and the 60-line one are not', () => {
    expect(longFunctionsWithoutReason(FIXTURE, FIXTURE)).to.deep.equal([
      'long-functions.ts:4 tooLong (61 lines)',
      'long-functions.ts:192 Holder.method (61 lines)',
    ]);
  });
});
