import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ENVIRONMENT_VARIABLES } from '../../src/infrastructure/config/load-config.js';
import { configKeys } from '../support/config-keys.js';
import { REPO_ROOT } from '../support/service-harness.js';

describe('docs/configuration.md', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
  const example = readFileSync(path.join(REPO_ROOT, 'config/.env.example'), 'utf8');

  it('documents every key of the config schema', () => {
    const missing = configKeys().filter((key) => !doc.includes(`\`${key}\``));
    expect(missing, 'keys missing from docs/configuration.md').to.deep.equal([]);
  });

  it('names the environment variable of every key that has one', () => {
    const missing = ENVIRONMENT_VARIABLES.map(([name]) => name).filter((name) => {
      const store = /^(ORIGINALS|RENDITIONS)_(.+)$/.exec(name);
      return !doc.includes(`\`${name}\``) && !(store && doc.includes(`\`…_${store[2]}\``));
    });
    expect(missing, 'variables missing from docs/configuration.md').to.deep.equal([]);
  });

  it('lists every environment variable in config/.env.example', () => {
    const missing = ENVIRONMENT_VARIABLES.map(([name]) => name).filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(example));
    expect(missing, 'variables missing from config/.env.example').to.deep.equal([]);
  });

  it('documents no key the schema does not have', () => {
    const keys = new Set(configKeys());
    const documented = [...doc.matchAll(/^\| `([a-zA-Z.]+)`/gm)].map((m) => m[1] as string);
    expect(documented.filter((key) => !keys.has(key))).to.deep.equal([]);
  });
});
