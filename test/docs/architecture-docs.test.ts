import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('docs/architecture.md', () => {
  it('points only at files and folders that exist (the "where to look" answers stay true when code moves)', () => {
    const text = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
    const paths = [...text.matchAll(/`((?:src|test)\/[^`\s*]+)`/g)].map((match) => match[1] as string);
    expect(paths.length, 'paths found').to.be.above(10);
    expect(paths.filter((p) => !existsSync(path.join(ROOT, p)))).to.deep.equal([]);
  });
});
