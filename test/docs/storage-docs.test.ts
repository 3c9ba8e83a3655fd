import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../../src/infrastructure/config/load-config.js';
import { REPO_ROOT } from '../support/service-harness.js';

describe('docs/storage.md', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/storage.md'), 'utf8');
  const blocks = [...doc.matchAll(/```env\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const known = new Set(ENVIRONMENT_VARIABLES.map(([name]) => name));

  it('has worked examples', () => {
    expect(blocks.length).to.be.at.least(6);
  });

  blocks.forEach((block, n) => {
    it(`example ${n + 1} sets only known variables and is a valid configuration`, () => {
      const env = Object.fromEntries(
        block
          .trim()
          .split('\n')
          .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
      );
      expect(Object.keys(env).filter((name) => !known.has(name))).to.deep.equal([]);
      const config = loadConfig({ configDir: path.join(REPO_ROOT, 'config'), env });
      expect(config.originals.driver).to.equal(env.ORIGINALS_DRIVER);
      expect(config.renditions.driver).to.equal(env.RENDITIONS_DRIVER);
    });
  });
});
