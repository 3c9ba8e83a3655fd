import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../../src/infrastructure/config/load-config.js';
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

  it('states the default the service starts with, wherever it names a number, a boolean or a word', () => {
    const defaults = loadConfig({ env: {}, configDir: path.join(REPO_ROOT, 'config') });
    const stated = [
      ...[...example.matchAll(/^# ([a-zA-Z.]+): .*?Default: (.*)$/gm)].map((m) => ['config/.env.example', m[1]!, m[2]!] as const),
      ...[...doc.matchAll(/^\| `([a-zA-Z.]+)` \| ([^|]*) \|/gm)].map((m) => ['docs/configuration.md', m[1]!, m[2]!] as const),
    ];
    expect(stated.length).to.be.greaterThan(50);
    const wrong = stated.flatMap(([file, key, text]) => {
      const actual = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], defaults);
      // Only a literal is checked: "number of cores" or "{dataDir}/index.sqlite" describe a default computed at start-up.
      const literal = /^[`"]?([\w.-]+)[`"]?(?: \(.*\))?$/.exec(text.trim())?.[1];
      const comparable = typeof actual === 'number' || typeof actual === 'boolean' || (typeof actual === 'string' && actual !== '');
      return literal !== undefined && comparable && literal !== String(actual) ? [`${file}: ${key} says ${literal}, the default is ${String(actual)}`] : [];
    });
    expect(wrong).to.deep.equal([]);
  });

  it('documents no key the schema does not have', () => {
    const keys = new Set(configKeys());
    const documented = [...doc.matchAll(/^\| `([a-zA-Z.]+)`/gm)].map((m) => m[1] as string);
    expect(documented.filter((key) => !keys.has(key))).to.deep.equal([]);
  });
});
