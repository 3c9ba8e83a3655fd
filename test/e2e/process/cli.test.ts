import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { freePort } from '../../support/free-port.js';
import { gradientJpeg, quadrantPng } from '../../support/image-fixtures.js';
import { runLir } from '../../support/run-cli.js';

const COMMANDS = ['serve', 'token', 'upload', 'info', 'delete', 'prerender', 'import', 'doctor'];

describe('e2e (child process): the lir command', function () {
  this.timeout(180_000);
  let dir: string;
  let env: Record<string, string>;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lir-cli-'));
    env = { DATA_DIR: path.join(dir, 'data') };
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('--help lists every command, and each command has its own --help; a wrong command line exits 2', async () => {
    const overview = await runLir(['--help']);
    expect(overview.code).to.equal(0);
    for (const command of COMMANDS) expect(overview.stdout).to.match(new RegExp(`^  ${command} `, 'm'));
    const helps = await Promise.all(COMMANDS.map((command) => runLir([command, '--help'])));
    helps.forEach((help, i) => {
      expect(help.code, COMMANDS[i]).to.equal(0);
      expect(help.stdout, COMMANDS[i]).to.match(new RegExp(`^Usage: lir ${COMMANDS[i]}`)).and.to.contain('--config-dir');
    });

    const unknown = await runLir(['imprt']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain('no command "imprt"');
    const missing = await runLir(['upload', 'only-an-id']);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain('lir upload needs <id> <file>').and.to.contain('Usage: lir upload');
  });

  it('import: stores a folder through the configured stores, refuses what an upload would with reasons, and a rerun skips it all', async () => {
    const folder = path.join(dir, 'originals');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'cat-01.jpg'), await gradientJpeg(64, 48));
    writeFileSync(path.join(folder, 'dog_02'), await quadrantPng(40, 20)); // no extension: the old service's layout
    writeFileSync(path.join(folder, 'not an id.jpg'), await gradientJpeg(8, 8));
    writeFileSync(path.join(folder, 'drawing.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    writeFileSync(path.join(folder, 'half.png'), (await quadrantPng(40, 20)).subarray(0, 60));
    writeFileSync(path.join(folder, '.DS_Store'), 'finder');
    const report = path.join(dir, 'report.json');

    const first = await runLir(['import', folder, '--report', report], env);

    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.contain('2 imported').and.to.contain('3 refused');
    expect(first.stderr, 'the progress bar').to.match(/5\/5 {2}100% {2}[\d.]+\/s/);
    const json = JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown> & { refusals: Array<{ name: string; code: string; reason: string }> };
    expect(json).to.include({ completed: true, dryRun: false, imported: 2, skipped: 0, refused: 3 });
    expect(json.refusals.map((r) => [r.name, r.code])).to.have.deep.members([
      ['drawing.svg', 'UNSUPPORTED_IMAGE'],
      ['half.png', 'UNSUPPORTED_IMAGE'],
      ['not an id.jpg', 'INVALID_ID'],
    ]);
    expect(json.refusals.find((r) => r.code === 'INVALID_ID')?.reason).to.contain('A–Z a–z 0–9 _ -');

    const second = await runLir(['import', folder, '--quiet'], env);
    expect(second.code).to.equal(0);
    expect(second.stdout).to.contain('0 imported').and.to.contain('2 skipped');
    expect(second.stderr).to.equal('');

    const prerender = await runLir(['prerender', 'dog_02', '20x0', '10x10@2x.webp', '--query', 'fit=crop'], env);
    expect(prerender.code, prerender.stderr).to.equal(0);
    expect(prerender.stdout).to.contain('dog_02_20x10.jpeg  rendered').and.to.contain('dog_02_20x20.webp  rendered');
    const again = await runLir(['prerender', 'dog_02', '20x0', 'nope'], env);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.contain('size "nope" is not WxH');
  });

  it('import --dry-run stores nothing; a missing folder is a usage error', async () => {
    const folder = path.join(dir, 'originals');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'one.jpg'), await gradientJpeg(16, 16));

    const dry = await runLir(['import', folder, '--dry-run', '-q'], env);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain('dry run: nothing was stored').and.to.contain('1 would be imported');
    const real = await runLir(['import', folder, '-q'], env);
    expect(real.stdout, 'nothing was stored by the dry run').to.contain('1 imported');

    const missing = await runLir(['import', path.join(dir, 'nowhere')], env);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain('is not a folder');
  });

  it('doctor: a verdict per line on a fresh configuration; a broken config or an unreachable index fails', async () => {
    const fresh = await runLir(['doctor'], env);
    expect(fresh.code, fresh.stdout + fresh.stderr).to.equal(0);
    for (const topic of ['node', 'versions', 'config', 'originals', 'renditions', 'index', 'render', 'threads', 'memory', 'listen', 'guard', 'service']) {
      expect(fresh.stdout).to.match(new RegExp(`^(OK|NOTE|WARN) +${topic} `, 'm'));
    }
    expect(fresh.stdout).to.match(/libvips \d+\.\d+/);

    const badConfig = await runLir(['doctor'], { ...env, TOKENS_ALLOW_FROM: '10.0.0.0/33' });
    expect(badConfig.code).to.equal(1);
    expect(badConfig.stdout).to.match(/^FAIL +config +invalid configuration:\n.*tokens\.allowFrom\.0 \(env TOKENS_ALLOW_FROM\): not an IP address/m);

    const noIndex = await runLir(['doctor', '--json'], { ...env, DATABASE_URL: 'postgres://lir@127.0.0.1:1/nothing' });
    expect(noIndex.code).to.equal(1);
    const lines = JSON.parse(noIndex.stdout) as Array<{ verdict: string; topic: string; message: string }>;
    expect(lines.find((l) => l.topic === 'index')).to.include({ verdict: 'fail' });
    expect(lines.find((l) => l.topic === 'originals')).to.include({ verdict: 'ok' });
  });

  describe('client commands against a running service', () => {
    let service: ChildService;

    beforeEach(async () => {
      service = await startChildService({ env: { DATA_DIR: path.join(dir, 'data') } });
    });

    afterEach(async () => {
      await service.stop();
    });

    it('token, upload, info and delete go through the HTTP API and its guard; refusals are one line and exit 1', async () => {
      const url = ['--url', service.url];
      const file = path.join(dir, 'photo.jpg');
      writeFileSync(file, await gradientJpeg(120, 80));

      const token = await runLir(['token', 'holiday-01', ...url]);
      expect(token.code, token.stderr).to.equal(0);
      expect(token.stdout.trim()).to.match(/^[A-Za-z0-9_-]{20,}$/);

      const upload = await runLir(['upload', 'holiday-01', file, ...url]);
      expect(upload.code, upload.stderr).to.equal(0);
      expect(upload.stdout.trim()).to.equal('holiday-01: jpeg 120x80, ' + readFileSync(file).length + ' bytes');
      expect((await fetch(`${service.url}/holiday-01_60_0.png`)).status).to.equal(200);

      const info = await runLir(['info', 'holiday-01', ...url]);
      expect(info.code, info.stderr).to.equal(0);
      const document = JSON.parse(info.stdout) as { placeholder: { blurhash: string; thumbhash: string; dominantColor: string } };
      expect(document).to.deep.include({ id: 'holiday-01', width: 120, height: 80, format: 'jpeg', bytes: readFileSync(file).length, focalPoint: null });
      expect(document.placeholder.dominantColor).to.match(/^#[0-9a-f]{6}$/);
      expect(document.placeholder.blurhash).to.have.length.above(20);
      const unknown = await runLir(['info', 'nobody-here', ...url]);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.match(/^lir: GET \/nobody-here\.json answered 404: .*\[NOT_FOUND\]\n$/);

      const twice = await runLir(['upload', 'holiday-01', file, ...url]);
      expect(twice.code).to.equal(1);
      expect(twice.stderr).to.match(/^lir: POST \/token answered 409: .*\[ORIGINAL_EXISTS\]\n$/);

      const deleted = await runLir(['delete', 'holiday-01', ...url]);
      expect(deleted.stdout.trim()).to.equal('deleted holiday-01');
      const gone = await runLir(['delete', 'holiday-01', ...url]);
      expect(gone.code).to.equal(1);
      expect(gone.stderr).to.contain('[NOT_FOUND]');

      const closed = `http://127.0.0.1:${await freePort()}`;
      const nobody = await runLir(['token', 'x', '--url', closed]);
      expect(nobody.code).to.equal(1);
      expect(nobody.stderr).to.contain(`no service answers at ${closed} (ECONNREFUSED)`);
    });
  });
});
