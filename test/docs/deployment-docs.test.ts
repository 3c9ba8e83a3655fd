import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ENVIRONMENT_VARIABLES } from '../../src/infrastructure/config/load-config.js';
import { configKeys } from '../support/config-keys.js';
import { solidJpeg } from '../support/image-fixtures.js';
import { REPO_ROOT, startTestService, uploadOriginal, type TestService } from '../support/service-harness.js';

const run = promisify(execFile);

/** The operator documentation this suite keeps honest (configuration.md has its own test). */
const DOCS = ['deployment.md', 'operations.md', 'architecture.md', 'getting-started.md', 'http-api.md', 'cli.md', 'adr/0013-container-image-and-memory-allocator.md'];
const read = (doc: string): string => readFileSync(path.join(REPO_ROOT, 'docs', doc), 'utf8');
/** Inline code spans, without fenced blocks. */
const codeSpans = (markdown: string): string[] => [...markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

/** Variables read by Node, libuv or the loader rather than by the config table, and the Dockerfile's build arguments. */
const RUNTIME_VARIABLES = ['NODE_ENV', 'NODE_OPTIONS', 'CONFIG_DIR', 'UV_THREADPOOL_SIZE', 'LD_PRELOAD', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_'];
/** Variables the cloud SDKs read themselves: `lir import s3://…`/`gs://…` leaves the source to them when no store uses that driver (cli.md). */
const SDK_VARIABLES = ['AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'STORAGE_EMULATOR_HOST'];
/** Where error codes are declared (`readonly code = 'NOT_FOUND'`). */
const ERROR_CLASSES = ['src/domain/domain-error.ts', 'src/application/application-error.ts'].map((file) => readFileSync(path.join(REPO_ROOT, file), 'utf8')).join('\n');
/** Variables the repository's own scripts read (`process.env.NAME` in scripts/*.ts), e.g. `npm run image:smoke`'s. */
const SCRIPT_VARIABLES = readdirSync(path.join(REPO_ROOT, 'scripts'))
  .filter((file) => file.endsWith('.ts'))
  .flatMap((file) => [...readFileSync(path.join(REPO_ROOT, 'scripts', file), 'utf8').matchAll(/process\.env\.(\w+)/g)].map((m) => m[1]!));
const BUILD_ARGUMENTS = [...readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8').matchAll(/^ARG (\w+)/gm)].map((m) => m[1]!);

describe('operator docs', () => {
  it('link only to files that exist', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      for (const [, target] of read(doc).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        if (!existsSync(path.resolve(path.dirname(path.join(REPO_ROOT, 'docs', doc)), target!))) broken.push(`${doc} → ${target}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('name only environment variables the service (or Node) reads', () => {
    const known = new Set([...ENVIRONMENT_VARIABLES.map(([name]) => name), ...RUNTIME_VARIABLES, ...SDK_VARIABLES, ...SCRIPT_VARIABLES, ...BUILD_ARGUMENTS]);
    const unknown: string[] = [];
    // cli.md names the error codes of import refusals, which look like variables.
    const errorCode = (doc: string, name: string): boolean => doc === 'cli.md' && new RegExp(`code = '${name}'`).test(ERROR_CLASSES);
    for (const doc of DOCS.filter((d) => d !== 'http-api.md')) {
      for (const span of codeSpans(read(doc))) {
        const name = /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=.*)?$/.exec(span)?.[1];
        if (name && !known.has(name) && !errorCode(doc, name)) unknown.push(`${doc}: ${name}`);
      }
    }
    expect(unknown).to.deep.equal([]);
  });

  it('name only configuration keys the schema has', () => {
    const keys = new Set(configKeys());
    const sections = new Set([...keys].map((key) => key.split('.')[0]));
    const unknown: string[] = [];
    for (const doc of DOCS) {
      for (const span of codeSpans(read(doc))) {
        if (!/^[a-z]+(\.[a-zA-Z]+)+$/.test(span) || !sections.has(span.split('.')[0]) || /\.(sqlite|json|ts|js|html|md|ya?ml)$/.test(span)) continue;
        if (!keys.has(span)) unknown.push(`${doc}: ${span}`);
      }
    }
    expect(unknown).to.deep.equal([]);
  });

  it('http-api.md lists every error code with the status the error table gives it', () => {
    const table = readFileSync(path.join(REPO_ROOT, 'src/adapters/http/error-table.ts'), 'utf8');
    const actual = new Map([...table.matchAll(/^\s+([A-Z_]+): \{ status: (\d{3})/gm)].map((m) => [m[1]!, Number(m[2])]));
    actual.set('INTERNAL', 500);
    const documented = new Map<string, number>();
    for (const [, status, codes] of read('http-api.md').matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)) {
      for (const [, code] of codes!.matchAll(/`([A-Z_]+)`/g)) documented.set(code!, Number(status));
    }
    expect(Object.fromEntries(documented)).to.deep.equal(Object.fromEntries(actual));
  });

  describe('against the running service', function () {
    this.timeout(30_000);
    let service: TestService;
    before(async () => {
      // The origin the CORS transcript shows.
      service = await startTestService({ cors: { allowedOrigins: ['https://www.example.com'] } });
      await uploadOriginal(service.url, 'holiday-01', await solidJpeg(1800, 1200));
    });
    after(async () => service?.close());

    it('operations.md names only metrics that /metrics exposes', async () => {
      const exposed = await (await fetch(`${service.url}/metrics`)).text();
      const names = new Set([...exposed.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
      const documented = codeSpans(read('operations.md')).filter((span) => /^lir_[a-z_]+$/.test(span));
      expect(documented.length).to.be.greaterThan(5);
      expect(documented.filter((name) => !names.has(name))).to.deep.equal([]);
      const prefixes = codeSpans(read('operations.md')).filter((span) => /^lir_[a-z]+_\*$/.test(span));
      for (const prefix of prefixes) expect([...names].some((name) => name.startsWith(prefix.slice(0, -1))), prefix).to.equal(true);
      // And every metric of the service's own is documented.
      const own = [...names].filter((name) => !/^lir_(process|nodejs)_/.test(name));
      expect(own.filter((name) => !documented.includes(name))).to.deep.equal([]);
    });

    it('the curl transcripts in http-api.md print the headers they show', async () => {
      const transcripts = [...read('http-api.md').matchAll(/^```\n\$ (curl [^\n]+)\n([\s\S]*?)^```/gm)];
      expect(transcripts.length).to.be.greaterThan(0);
      for (const [, command, shown] of transcripts) {
        const args = [...command!.slice('curl '.length).matchAll(/'([^']*)'|(\S+)/g)].map((m) => (m[1] ?? m[2])!.replace('http://127.0.0.1:1337', service.url));
        const { stdout } = await run('curl', args, { timeout: 20_000 });
        const lines = stdout.split(/\r?\n/).map((line) => line.toLowerCase());
        for (const line of shown!.trim().split('\n')) expect(lines, command).to.include(line.toLowerCase());
      }
    });
  });
});
