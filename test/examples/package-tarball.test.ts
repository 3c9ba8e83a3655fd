import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/service-harness.js';

const run = promisify(execFile);
const FIXTURE = path.join(REPO_ROOT, 'test/examples/fixtures/package-consumer');

interface PackedFile {
  readonly path: string;
}

interface Manifest {
  readonly name: string;
  readonly private?: boolean;
  readonly dependencies: Record<string, string>;
  readonly optionalDependencies: Record<string, string>;
  readonly scripts: Record<string, string>;
  readonly bin: Record<string, string>;
}

/**
 * What `npm install ./live-image-resize-x.tgz` lays out, without the registry: the tarball's `package/`
 * as node_modules/live-image-resize, and each of its `dependencies` linked from this checkout's
 * node_modules (the same versions the lockfile installs). Its optional dependencies (the cloud SDKs, `pg`)
 * are left out on purpose: the default configuration must not need them.
 * `@types/node` is the consumer's own, as in any TypeScript project on Node.
 */
function installInto(project: string, tarballDir: string, manifest: Manifest): void {
  const modules = path.join(project, 'node_modules');
  mkdirSync(path.join(modules, '@types'), { recursive: true });
  cpSync(path.join(tarballDir, 'package'), path.join(modules, manifest.name), { recursive: true });
  for (const name of [...Object.keys(manifest.dependencies), '@types/node']) {
    mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(modules, name), 'dir');
  }
  // npm links each `bin` into node_modules/.bin and makes its target executable.
  mkdirSync(path.join(modules, '.bin'));
  for (const [command, target] of Object.entries(manifest.bin)) {
    chmodSync(path.join(modules, manifest.name, target), 0o755);
    symlinkSync(path.join('..', manifest.name, target), path.join(modules, '.bin', command));
  }
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const file of ['consumer.ts', 'tsconfig.json', 'run-installed.mjs']) cpSync(path.join(FIXTURE, file), path.join(project, file));
}

describe('the npm package, packed, installed into an empty project and used from there', function () {
  // `npm pack` runs the prepack build (the whole of src/ through tsc), then a tsc run on the consumer.
  this.timeout(600_000);
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
  let work: string;
  let files: readonly string[];
  let project: string;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'lir-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout.slice(stdout.search(/^\[/m))) as [{ filename: string; files: PackedFile[] }];
    files = packed.files.map((file) => file.path);
    await run('tar', ['-xzf', path.join(work, packed.filename), '-C', work]);
    project = path.join(work, 'consumer');
    installInto(project, work, manifest);
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('builds on pack and ships the built entry points with their declarations, and no tests', () => {
    expect(manifest.scripts.prepack).to.equal('npm run build');
    for (const entry of ['dist/src/infrastructure/package-entry.js', 'dist/src/infrastructure/package-entry.d.ts', 'dist/src/infrastructure/embed.js', 'dist/src/domain/image-url.js', 'dist/src/domain/image-url.d.ts']) {
      expect(files, entry).to.include(entry);
    }
    expect(files.filter((file) => /(^|\/)(test|bench|scripts|examples)\/|\.test\.|^docs\//.test(file))).to.deep.equal([]);
    // The client workspace (packages/client) is a package of its own, not part of this one.
    expect(files.filter((file) => file.startsWith('packages/'))).to.deep.equal([]);
    expect(files.every((file) => /^(dist\/src|src|bin)\//.test(file) || ['package.json', 'README.md', 'LICENSE'].includes(file)), files.join(' ')).to.equal(true);
    expect(manifest.private, 'npm publish refuses a private package').to.equal(undefined);
  });

  it('type-checks a consumer file against the installed declarations alone (no express types, no skipLibCheck)', async () => {
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
    expect(result.output).to.equal('');
    expect(result.code).to.equal(0);
    expect(existsSync(path.join(project, 'node_modules/@types/express'))).to.equal(false);
  });

  it('imports both entry points without loading the server, runs the default configuration without the optional dependencies, and names the missing SDK', async () => {
    const { stdout } = await run(process.execPath, ['run-installed.mjs'], { cwd: project });
    const [imported, defaults, s3] = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(imported).to.deep.include({ step: 'import', driversLoaded: [], serverLoaded: [] });
    expect(imported!.client).to.include.members(['imageUrl', 'srcSet']);
    // The installed entry (package-entry.ts) exports what the sources' embed.ts does.
    expect(imported!.main).to.deep.equal(Object.keys(await import('../../src/infrastructure/embed.js')).sort());
    expect(defaults).to.deep.equal({ step: 'default config', ready: true, missing: 'OriginalNotFoundError', driversLoaded: ['better-sqlite3', 'knex'] });
    expect(s3!.failure).to.match(/^originals\.driver "s3" needs the package @aws-sdk\/client-s3, which is not installed .*: npm install @aws-sdk\/client-s3 @aws-sdk\/lib-storage @aws-sdk\/s3-request-presigner$/);
    for (const name of Object.keys(manifest.optionalDependencies)) expect(existsSync(path.join(project, 'node_modules', name)), name).to.equal(false);
  });

  it('runs the lir command from the installed package: its build, since the package ships no tsconfig.json', async () => {
    expect(files).to.include.members(['bin/lir.cjs', 'dist/src/infrastructure/cli/main.js']);
    expect(files).to.not.include('tsconfig.json');
    for (const command of ['lir', 'live-image-resize']) {
      const { stdout, stderr } = await run(path.join(project, 'node_modules/.bin', command), ['--help'], { cwd: project });
      expect(stderr, command).to.equal('');
      expect(stdout, command).to.match(/^Usage: lir /m);
      expect(stdout, command).to.include('doctor');
    }
  });

  it('lir import-legacy from an old PostgreSQL database without pg installed says how to install it, in one line', async () => {
    const args = ['import-legacy', '--originals-dir', project, '--database', 'postgres://127.0.0.1:1/old', '--quiet'];
    const result = await run(path.join(project, 'node_modules/.bin/lir'), args, { cwd: project }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(result).to.deep.equal({
      code: 1,
      stderr: 'lir import-legacy: --database needs the package pg, which is not installed (it is an optional dependency): npm install knex pg\n',
    });
  });
});
