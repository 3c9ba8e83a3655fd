import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import sharp from 'sharp';
import { gradientJpeg } from '../support/image-fixtures.js';
import { REPO_ROOT, startTestService, type TestService } from '../support/service-harness.js';

const run = promisify(execFile);

/** The address the doc's commands use; replaced by the test service's. */
const DOC_BASE = 'http://127.0.0.1:1337';

interface CodeBlock {
  readonly language: string;
  readonly code: string;
  /** The nearest heading above the block. */
  readonly heading: string;
}

function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let heading = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '');
    const fence = /^```(\w*)$/.exec(line);
    if (!fence) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    blocks.push({ language: fence[1]!, code: body.join('\n'), heading });
  }
  return blocks;
}

/** The `# …` lines of a shell block: the output the doc promises. */
const promisedOutput = (code: string): string[] =>
  code.split('\n').filter((line) => /^# /.test(line) && !/^# \d+\. /.test(line)).map((line) => line.slice(2));

describe('docs/getting-started.md, run against the service', function () {
  this.timeout(30_000);
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/getting-started.md'), 'utf8');
  const blocks = codeBlocks(doc);
  const block = (heading: string, language: string, index = 0): CodeBlock => {
    const found = blocks.filter((b) => b.heading === heading && b.language === language)[index];
    expect(found, `a ${language} block under "${heading}"`).to.not.equal(undefined);
    return found!;
  };
  let service: TestService;
  let folder: string;
  const bash = (code: string) =>
    run('bash', ['-euo', 'pipefail', '-c', code], { cwd: folder, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 });

  before(async () => {
    // Defaults as `npm start` has them (filesystem stores, SQLite index), in a throwaway folder.
    service = await startTestService();
    folder = mkdtempSync(path.join(os.tmpdir(), 'lir-getting-started-'));
    writeFileSync(path.join(folder, 'photo.jpg'), await gradientJpeg(1800, 1200));
    // The walk-through runs from the repository's folder, with its sample photo.
    mkdirSync(path.join(folder, 'docs/images'), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'docs/images/sample.jpg'), path.join(folder, 'docs/images/sample.jpg'));
  });
  after(async () => {
    await service?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('the walk-through uploads, renders a miss and serves the next request from the cache', async () => {
    const { code } = block('Walk-through', 'sh');
    expect(code.split('\n')[0]).to.equal(`BASE=${DOC_BASE}`);
    const { stdout } = await bash(code.replace(`BASE=${DOC_BASE}`, `BASE=${service.url}`));
    // curl prints the upload's JSON without a newline, so the first header block follows on its line.
    const [uploadJson, ...answers] = stdout.split(/(?=HTTP\/1\.1 )/);
    const upload = JSON.parse(uploadJson!) as Record<string, unknown>;
    expect(upload).to.include({ status: 'OK', id: 'holiday-01', original_width: 1800, original_height: 1200, format: 'jpeg', bytes: statSync(path.join(REPO_ROOT, 'docs/images/sample.jpg')).size });
    expect(answers).to.have.length(2);
    for (const promised of ['HTTP/1.1 200 OK', 'X-Cache: MISS', 'Cache-Control: public, max-age=31536000, immutable', 'Content-Type: image/webp']) {
      expect(promisedOutput(code)).to.include(promised);
      expect(answers[0]).to.include(promised);
    }
    expect(answers[1]).to.match(/^HTTP\/1\.1 200 OK/).and.to.match(/X-Cache: (HIT|COALESCED)/);
    const metadata = await sharp(path.join(folder, 'small.webp')).metadata();
    expect([metadata.format, metadata.width, metadata.height]).to.deep.equal(['webp', 800, 600]);
  });

  it('"then try" prints exactly what the doc shows', async () => {
    const { code } = block('Walk-through', 'sh', 1);
    const { stdout } = await bash(`BASE=${service.url}\n${code}`);
    const expected = promisedOutput(code).map((line) => line.replaceAll(DOC_BASE, service.url));
    expect(stdout.trim().split('\n')).to.deep.equal(expected);
  });

  it('the Node.js back-end program gets a token, and the browser snippet uploads with it', async () => {
    const { code } = block('Node.js / TypeScript', 'js');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], {
      env: { PATH: process.env.PATH ?? '', IMAGES_URL: service.url },
      timeout: 20_000,
    });
    const issued = JSON.parse(stdout) as { uploadUrl: string; token: string; expiresAt: string };
    expect(issued.uploadUrl).to.equal(`${service.url}/avatar-42`);
    expect(issued.token).to.match(/^[A-Za-z0-9_-]{16,}$/);
    expect(Number.isNaN(Date.parse(issued.expiresAt))).to.equal(false);

    const browser = block('The browser side', 'js').code;
    const harness = [
      `const { readFile } = await import('node:fs/promises');`,
      `const fileInput = { files: [new Blob([await readFile(${JSON.stringify(path.join(folder, 'photo.jpg'))})], { type: 'image/jpeg' })] };`,
      `const uploadUrl = ${JSON.stringify(issued.uploadUrl)}, token = ${JSON.stringify(issued.token)};`,
      browser,
      'console.log(JSON.stringify({ status: response.status, body: await response.json() }));',
    ].join('\n');
    const uploaded = JSON.parse((await run(process.execPath, ['--input-type=module', '-e', harness], { timeout: 20_000 })).stdout) as {
      status: number;
      body: Record<string, unknown>;
    };
    expect(uploaded.status).to.equal(201);
    expect(uploaded.body).to.include({ status: 'OK', id: 'avatar-42', original_width: 1800, format: 'jpeg' });
  });

  it('the Python back-end program gets a token', async function () {
    const python = await run('python3', ['--version']).then(
      () => true,
      () => false,
    );
    if (!python) {
      console.warn('      skipping the Python example: python3 is not on PATH');
      this.skip();
    }
    const { code } = block('Python', 'python');
    const { stdout } = await run('python3', ['-c', code], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', IMAGES_URL: service.url }, timeout: 20_000 });
    const issued = JSON.parse(stdout) as { uploadUrl: string; token: string };
    expect(issued.uploadUrl).to.equal(`${service.url}/avatar-43`);
    expect(issued.token).to.match(/^[A-Za-z0-9_-]{16,}$/);
  });

  it('names only files that exist and configuration that is documented', () => {
    for (const [, target] of doc.matchAll(/\]\(([^)#:]+\.md)(#[^)]*)?\)/g)) {
      expect(existsSync(path.join(REPO_ROOT, 'docs', target!)), target).to.equal(true);
    }
    const configuration = readFileSync(path.join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
    for (const [, variable] of doc.matchAll(/\b([A-Z][A-Z_]{3,})=/g)) {
      // Shell variables the commands set and use themselves (BASE, TOKEN) are not configuration.
      if (new RegExp(`\\$\\{?${variable}\\b`).test(doc)) continue;
      expect(configuration, variable).to.include(`\`${variable}\``);
    }
  });
});
