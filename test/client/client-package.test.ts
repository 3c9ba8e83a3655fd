import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/service-harness.js';

const run = promisify(execFile);
const PACKAGE_DIR = path.join(REPO_ROOT, 'packages/client');

interface Manifest {
  readonly name: string;
  readonly exports: Record<string, string | Record<string, string>>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as Manifest;
const entries = Object.keys(manifest.exports).filter((entry) => entry !== './package.json');

/** What a browser project writes: DOM types, no Node types, strict, Node's ESM resolution. */
const CONSUMER = `import { imageUrl, srcSet, InvalidRequestError, type ImageUrlOptions } from 'live-image-resize-client';
const options: ImageUrlOptions = { width: 300, height: 200, fit: 'crop', format: 'webp' };
const src: string = imageUrl('cat', options, { baseUrl: 'https://img.example.com' });
const srcset: string = srcSet('cat', { widths: [320, 640] });
const failure: InvalidRequestError | undefined = undefined;
// @ts-expect-error: 'fill' is no fit of the service
imageUrl('cat', { fit: 'fill' });
export { src, srcset, failure };
`;

describe('client package (packages/client): packed, installed without the service, imported and type-checked', function () {
  this.timeout(180_000);
  let scratch: string;

  before(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'lir-client-pack-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('has no dependencies of any kind', () => {
    expect([manifest.dependencies, manifest.peerDependencies, manifest.optionalDependencies]).to.deep.equal([undefined, undefined, undefined]);
  });

  it('packs built ES modules and declarations only, installs offline into an empty project, and every entry imports and type-checks', async () => {
    const packed = await run('npm', ['pack', '--json', '--pack-destination', scratch, '-w', 'packages/client'], { cwd: REPO_ROOT });
    const [tarball] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = tarball!.files.map((file) => file.path);
    expect(files.filter((file) => !/^dist\/.+\.(js|d\.ts)$/.test(file)).sort()).to.deep.equal(['README.md', 'package.json']);
    for (const entry of entries) {
      const target = manifest.exports[entry] as Record<string, string>;
      expect(files, entry).to.include.members([target.types!.slice(2), target.default!.slice(2)]);
    }

    const project = path.join(scratch, 'app');
    await run('mkdir', ['-p', project]);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // --offline: a package without dependencies needs nothing from a registry.
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(scratch, tarball!.filename)], { cwd: project });

    const probe = `for (const entry of ${JSON.stringify(entries)}) { const m = await import(entry === '.' ? '${manifest.name}' : '${manifest.name}' + entry.slice(1)); console.log(entry, Object.keys(m).sort().join(',')); }`;
    const imported = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: project });
    const exported = new Map(imported.stdout.trim().split('\n').map((line) => line.split(' ') as [string, string]));
    expect([...exported.keys()]).to.deep.equal(entries);
    expect(exported.get('.')!.split(',')).to.include.members(['imageUrl', 'srcSet', 'sizes', 'imageRequestOf']);
    expect(exported.get('./server')).to.equal('createUrlSigner');
    expect(exported.get('./edge')).to.equal('signImageUrl,signSrcSet');
    expect([exported.get('./next'), exported.get('./nuxt'), exported.get('./astro'), exported.get('./unpic')]).to.deep.equal(['createNextLoader', 'getImage', 'default', 'createUnpicTransformer']);

    writeFileSync(path.join(project, 'consumer.ts'), CONSUMER);
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const compilerOptions = { noEmit: true, strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [] };
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    const checked = await run(process.execPath, [tsc, '-p', '.'], { cwd: project }).catch((error: { stdout: string }) => error);
    expect(checked.stdout).to.equal('');
  });
});
