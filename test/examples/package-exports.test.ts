import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/service-harness.js';
import { runExample } from './run-example.js';

interface Manifest {
  readonly name: string;
  readonly types: string;
  readonly exports: Record<string, string | Record<string, string>>;
}

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

/** Relative imports of a module, as source paths. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** Every module `entry` (a repository path) reaches through relative imports, and the imports that are not relative. */
function reachableFrom(entry: string): { files: string[]; external: string[] } {
  const seen = new Set<string>();
  const external = new Set<string>();
  const queue = [path.join(REPO_ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importsOf(file)) {
      if (/^\.\.?\//.test(specifier)) queue.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
      else external.add(specifier);
    }
  }
  return { files: [...seen].map((file) => path.relative(REPO_ROOT, file)).sort(), external: [...external].sort() };
}

describe('package entry points', () => {
  it('exports only the embedding API, the client helpers and package.json', () => {
    expect(Object.keys(manifest.exports)).to.deep.equal(['.', './client', './package.json']);
    expect(manifest.types).to.equal((manifest.exports['.'] as Record<string, string>).types);
  });

  it('points every entry at the built file of a source module (the main one: its on-demand twin) that the build compiles with declarations', () => {
    const build = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: Record<string, unknown>; include: string[] };
    expect(build.compilerOptions.declaration).to.equal(true);
    expect(build.include).to.deep.equal(['src']);
    for (const [entry, targets] of Object.entries(manifest.exports)) {
      if (entry === './package.json') continue;
      const { 'lir-source': source, types, default: built, ...rest } = targets as Record<string, string>;
      expect(rest, entry).to.deep.equal({});
      expect(source, entry).to.match(/^\.\/src\/.+\.ts$/);
      expect(existsSync(path.join(REPO_ROOT, source!)), source).to.equal(true);
      // Installed, the main entry is embed.ts's twin that loads it on first use (ADR 0029): same exports, checked by the tarball test.
      const stem = entry === '.' ? 'src/infrastructure/package-entry' : source!.slice('./'.length, -'.ts'.length);
      expect(source, entry).to.equal(entry === '.' ? './src/infrastructure/embed.ts' : source);
      expect(existsSync(path.join(REPO_ROOT, `${stem}.ts`)), stem).to.equal(true);
      expect(types, entry).to.equal(`./dist/${stem}.d.ts`);
      expect(built, entry).to.equal(`./dist/${stem}.js`);
    }
  });

  it('keeps the client entry free of Node built-ins and packages, so browsers can bundle it', () => {
    const reached = reachableFrom((manifest.exports['./client'] as Record<string, string>)['lir-source']!);
    expect(reached.external).to.deep.equal([]);
    expect(reached.files.every((file) => file.startsWith('src/domain/'))).to.equal(true);
    expect(reached.files.length).to.be.greaterThan(3);
  });

  it('keeps the client package (packages/client) on the domain alone: no packages, node:crypto only in ./server', () => {
    const client = JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages/client/package.json'), 'utf8')) as Manifest;
    for (const [entry, targets] of Object.entries(client.exports)) {
      if (entry === './package.json') continue;
      const reached = reachableFrom(path.join('packages/client', (targets as Record<string, string>)['lir-source']!));
      expect(reached.external, entry).to.deep.equal(entry === './server' ? ['node:crypto'] : []);
      const outside = reached.files.filter((file) => !file.startsWith('src/domain/') && !file.startsWith('packages/client/src/'));
      expect(outside, entry).to.deep.equal(entry === './server' ? ['src/adapters/http/url-signing-keys.ts'] : []);
    }
    const main = reachableFrom('packages/client/src/index.ts').files;
    expect(main, 'the main entry is the service\'s own grammar').to.include('src/domain/image-url.ts');
  });

  it('resolves the public entries through the package name and refuses internal modules', async function () {
    this.timeout(30_000);
    const probe = runExample('test/examples/fixtures/import-probe.ts');
    const { code, stderr } = await probe.exited;
    expect(code, stderr).to.equal(0);
    expect(probe.lines).to.deep.equal([
      { specifier: `${manifest.name}`, ok: true, exports: ['createApplication', 'createImageService', 'imageUrl', 'parseConfig'] },
      { specifier: `${manifest.name}/client`, ok: true, exports: ['imageUrl', 'sizes', 'srcSet'] },
      { specifier: `${manifest.name}/src/domain/image-request.js`, ok: false, code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' },
      { specifier: `${manifest.name}/src/infrastructure/di/tokens.ts`, ok: false, code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' },
      { specifier: `${manifest.name}/dist/src/infrastructure/main.js`, ok: false, code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' },
    ]);
  });
});
