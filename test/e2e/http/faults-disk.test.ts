import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { tempFileName, THIS_WRITER } from '../../../src/adapters/filesystem/temp-files.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { startTestService, type TestService } from '../../support/service-harness.js';

/*
 * Issue 10 item 8, storage: the temp file of a write cut short by `kill -9` must not stay forever, and a
 * data disk without free space must take the replica out of rotation (`/readyz` 503) before writes fail.
 */

async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  for (const start = Date.now(); Date.now() - start < timeoutMs; await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (condition()) return;
  }
  expect.fail(`not within ${timeoutMs} ms: ${what}`);
}

describe('faults: temp files left by kill -9 are removed at the next start-up', function () {
  this.timeout(120_000);
  let dataDir: string;
  let service: ChildService | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-temp-'));
  });

  afterEach(async () => {
    await service?.kill();
    service = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('removes the killed process\'s temp files from both folders, keeping those of a live writer sharing them', async () => {
    const first = await startChildService({ env: { DATA_DIR: dataDir } });
    await first.kill();
    // What the killed process had in flight: an original and a rendition, each still a temp file.
    const killed = { ...THIS_WRITER, pid: first.pid, tag: 'deadbeef' };
    const leftovers = [
      path.join(dataDir, 'originals', 'photo', tempFileName('a'.repeat(64), killed)),
      path.join(dataDir, 'renditions', 'photo', 'b'.repeat(16), tempFileName(`${'c'.repeat(32)}.webp`, killed)),
    ];
    // Another replica on this host writing into the same folder right now (this test process stands in for it).
    const inFlight = path.join(dataDir, 'originals', 'other', tempFileName('d'.repeat(64)));
    for (const file of [...leftovers, inFlight]) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'half an object');
    }

    service = await startChildService({ env: { DATA_DIR: dataDir } });
    // The sweep runs in the background: the files go first, then the folders they leave empty.
    const emptied = path.join(dataDir, 'originals', 'photo');
    await eventually(() => leftovers.every((file) => !existsSync(file)) && !existsSync(emptied), 'the killed writer\'s temp files and the folder they leave empty are gone');
    expect(existsSync(inFlight), 'the live writer\'s temp file').to.equal(true);
    expect((await fetch(`${service.url}/readyz`)).status).to.equal(200);
  });
});

describe('faults: a data disk short of free space', function () {
  this.timeout(30_000);
  let service: TestService | undefined;

  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  for (const store of ['originals', 'renditions'] as const) {
    it(`makes /readyz answer 503 naming the ${store} folder when its disk has less than ${store}.minFreeBytes free`, async () => {
      // More than any disk has free: for this threshold the disk is full.
      service = await startTestService({ [store]: { driver: 'filesystem', minFreeBytes: Number.MAX_SAFE_INTEGER } });
      const answer = await fetch(`${service.url}/readyz`);
      const body = (await answer.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
      expect(answer.status).to.equal(503);
      expect(body.checks[store]?.ok).to.equal(false);
      expect(body.checks[store]?.error).to.match(/MiB free, less than/);
      const other = store === 'originals' ? 'renditions' : 'originals';
      expect(body.checks[other]).to.deep.equal({ ok: true });
    });
  }

  it('answers 200 with the default threshold on a disk with room', async () => {
    service = await startTestService();
    expect(service.config.originals).to.include({ driver: 'filesystem', minFreeBytes: 256 * 1024 * 1024 });
    expect((await fetch(`${service.url}/readyz`)).status).to.equal(200);
  });
});
