import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { platformGlobalUses } from './platform-globals.js';
import { ROOT } from './source-program.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/layering-violations/', import.meta.url));

describe('architecture: no platform globals in the domain and the application (ADR 0017)', function () {
  this.timeout(60_000);

  it('src/domain and src/application use none', () => {
    const uses = platformGlobalUses(ROOT);
    expect(uses, `platform globals in the inner layers:\n  ${uses.join('\n  ')}`).to.deep.equal([]);
  });

  it('the lint bites: each use in the fixture is reported by file:line, shadowed and allowed names are not', () => {
    expect(platformGlobalUses(FIXTURE)).to.deep.equal([
      'src/application/reads-the-platform.ts:4 globalThis',
      'src/application/reads-the-platform.ts:4 process',
      'src/application/reads-the-platform.ts:8 new Date() without an argument (read time from the Clock port)',
      'src/domain/uses-platform-globals.ts:3 Buffer',
      'src/domain/uses-platform-globals.ts:7 setTimeout',
      'src/domain/uses-platform-globals.ts:11 Date.now() (read time from the Clock port)',
      'src/domain/uses-platform-globals.ts:11 Math.random() (use the RandomSource port)',
    ]);
  });
});
