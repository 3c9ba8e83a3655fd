import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { nodeFitsEngines, packageInfo } from '../../../src/infrastructure/package-info.js';
import { REPO_ROOT } from '../../support/service-harness.js';

describe('nodeFitsEngines: a Node version against the engines range (lir doctor)', () => {
  const range = '^20.19.0 || ^22.12.0 || ^24.0.0 || ^26.0.0';

  it('accepts each line from its lowest release and refuses older releases and lines between', () => {
    for (const version of ['20.19.0', 'v20.20.2', '22.12.0', '22.23.5', '24.0.0', '24.22.3', '26.12.1']) {
      expect(nodeFitsEngines(version, range), version).to.equal(true);
    }
    for (const version of ['18.20.4', '20.18.3', '21.7.3', '22.11.9', '22.3.1', '23.11.0', '25.2.0', '27.0.0']) {
      expect(nodeFitsEngines(version, range), version).to.equal(false);
    }
  });

  it('reads >= as open-ended, an empty range as any, and an unknown form as no fit', () => {
    expect(nodeFitsEngines('27.1.0', '>=20.19.0')).to.equal(true);
    expect(nodeFitsEngines('20.18.9', '>=20.19')).to.equal(false);
    expect(nodeFitsEngines('20.0.0', '')).to.equal(true);
    expect(nodeFitsEngines('22.12.0', '~22.12.0')).to.equal(false);
  });

  it('is given the package.json range, which this process fits', () => {
    const engines = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(packageInfo().engines?.node).to.equal(engines);
    expect(nodeFitsEngines(process.versions.node, engines)).to.equal(true);
  });
});
