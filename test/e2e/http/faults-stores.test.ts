import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { expectUnavailable } from '../../support/json-error.js';
import { settle, startTestService, tokenFor, upload, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';
import { uniqueId } from '../../support/unique-id.js';

/*
 * Issue 5 item 4 for the object stores, on the real filesystem drivers. Tests run as root here, so
 * permissions cannot make a folder unwritable; instead the store's folder is moved away and a plain file
 * put in its place: every read, write and probe under it then fails (ENOTDIR), as on a lost mount.
 */

/** Takes a store folder away; the returned function puts it back as it was. */
function breakFolder(folder: string): () => void {
  const away = `${folder}.away`;
  renameSync(folder, away);
  writeFileSync(folder, 'not a folder');
  return () => {
    rmSync(folder);
    renameSync(away, folder);
  };
}

async function readiness(base: string): Promise<{ status: number; checks: Record<string, { ok: boolean }> }> {
  const response = await fetch(`${base}/readyz`);
  const body = (await response.json()) as { checks: Record<string, { ok: boolean }> };
  return { status: response.status, checks: body.checks };
}

async function image(response: Response): Promise<{ cache: string | null; width?: number; height?: number }> {
  expect(response.status, response.url).to.equal(200);
  const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
  return { cache: response.headers.get('x-cache'), width: meta.width, height: meta.height };
}

describe('faults: an object store becomes unreachable and comes back', function () {
  this.timeout(60_000);
  let service: TestService;
  let base: string;
  let restore: (() => void) | undefined;

  before(async () => {
    service = await startTestService();
    base = service.url;
  });
  afterEach(() => {
    restore?.();
    restore = undefined;
  });
  after(async () => service?.close());

  it('originals down: cached renditions still stream, misses and uploads get 503, /readyz fails; then it recovers', async () => {
    const id = uniqueId('orig_');
    await uploadOriginal(base, id, await photo(800, 600));
    expect((await image(await fetch(`${base}/${id}_200_200.jpg`))).cache).to.equal('MISS');
    await settle(service);

    restore = breakFolder(path.join(service.dataDir, 'originals'));

    // A hit needs the index and the rendition cache only.
    expect(await image(await fetch(`${base}/${id}_200_200.jpg`))).to.deep.equal({ cache: 'HIT', width: 200, height: 150 });
    await expectUnavailable(await fetch(`${base}/${id}_300_300.webp`), 'STORE_UNAVAILABLE');
    const newId = uniqueId('new_');
    const newToken = await tokenFor(base, newId);
    await expectUnavailable(await upload(base, newId, await photo(120, 90), newToken), 'STORE_UNAVAILABLE');
    const down = await readiness(base);
    expect(down.status).to.equal(503);
    expect(down.checks).to.deep.include({ index: { ok: true }, renditions: { ok: true } });
    expect(down.checks.originals?.ok).to.equal(false);

    restore();
    restore = undefined;

    expect((await readiness(base)).status).to.equal(200);
    expect(await image(await fetch(`${base}/${id}_300_300.webp`))).to.deep.equal({ cache: 'MISS', width: 300, height: 225 });
    // The upload that failed left its token usable (SPEC §5.2) and no index row behind.
    expect((await upload(base, newId, await photo(120, 90), newToken)).status).to.equal(201);
    expect(await image(await fetch(`${base}/${newId}_60_60.png`))).to.deep.include({ width: 60, height: 45 });
  });

  it('rendition cache down: clients still get their images, nothing is indexed, /readyz fails; writes resume afterwards', async () => {
    const id = uniqueId('cache_');
    await uploadOriginal(base, id, await photo(800, 600));
    expect((await image(await fetch(`${base}/${id}_200_200.jpg`))).cache).to.equal('MISS');
    await settle(service);
    const failuresBefore = service.logs.filter((line) => String(line.message).startsWith('background task failed: store')).length;

    restore = breakFolder(path.join(service.dataDir, 'renditions'));

    // Stored, but the cache cannot be read: rendered again from the original rather than refused.
    expect(await image(await fetch(`${base}/${id}_200_200.jpg`))).to.deep.equal({ cache: 'MISS', width: 200, height: 150 });
    // A new size: answered at once; its background store fails and is logged, and no index row is written.
    expect(await image(await fetch(`${base}/${id}_400_400.jpg`))).to.deep.equal({ cache: 'MISS', width: 400, height: 300 });
    await settle(service);
    const failuresAfter = service.logs.filter((line) => String(line.message).startsWith('background task failed: store')).length;
    expect(failuresAfter - failuresBefore).to.equal(1);
    const down = await readiness(base);
    expect(down.status).to.equal(503);
    expect(down.checks).to.deep.include({ index: { ok: true }, originals: { ok: true } });
    expect(down.checks.renditions?.ok).to.equal(false);

    restore();
    restore = undefined;

    expect((await readiness(base)).status).to.equal(200);
    expect((await image(await fetch(`${base}/${id}_200_200.jpg`))).cache).to.equal('HIT');
    // Not indexed during the outage, so this is a miss again: the failed write is retried now.
    expect((await image(await fetch(`${base}/${id}_400_400.jpg`))).cache).to.equal('MISS');
    await settle(service);
    expect((await image(await fetch(`${base}/${id}_400_400.jpg`))).cache).to.equal('HIT');
  });
});
