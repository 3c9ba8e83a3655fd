import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { spawnService, startChildService } from '../../support/child-service.js';

/** EX_CONFIG from sysexits.h: what main.ts exits with for a configuration it refuses. */
const EX_CONFIG = 78;

describe('e2e (child process): configuration at start-up', function () {
  this.timeout(60_000);
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'lir-bad-config-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cases: ReadonlyArray<{ readonly what: string; readonly env: Record<string, string>; readonly line: string }> = [
    {
      what: 'a CIDR with 33 bits (died inside the container wiring with a stack trace)',
      env: { TOKENS_ALLOW_FROM: '10.0.0.0/33' },
      line: 'tokens.allowFrom.0 (env TOKENS_ALLOW_FROM): not an IP address or CIDR: "10.0.0.0/33" (e.g. 10.0.0.0/8, ::1/128)',
    },
    {
      what: 'an S3 access key without its secret (threw from the S3 client factory)',
      env: { ORIGINALS_DRIVER: 's3', ORIGINALS_BUCKET: 'b', ORIGINALS_ACCESS_KEY_ID: 'AKIAEXAMPLE' },
      line: 'originals.secretAccessKey (not set; env ORIGINALS_SECRET_ACCESS_KEY): set both accessKeyId and secretAccessKey, or neither',
    },
  ];

  it('the start-up log names the config files that were read', async () => {
    const service = await startChildService({ env: { DATA_DIR: dataDir } });
    try {
      const line = service.logs.find((entry) => Array.isArray(entry.configFiles));
      expect(line?.configFiles).to.deep.equal([path.resolve('config/default.json')]);
    } finally {
      await service.stop();
    }
  });

  for (const { what, env, line } of cases) {
    it(`a bad value stops the start with one line naming it: ${what}`, async () => {
      const service = spawnService({ env: { DATA_DIR: dataDir, CONFIG_DIR: path.join(dataDir, 'no-config'), ...env } });
      const exit = await service.exited;
      expect(service.stderr()).to.equal(`invalid configuration:\n  - ${line}\n`);
      expect(exit).to.equal(EX_CONFIG);
      expect(service.logs.filter((entry) => String(entry.message).startsWith('listening'))).to.deep.equal([]);
    });
  }
});
