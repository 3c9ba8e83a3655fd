import { expect } from 'chai';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { OriginalNotFoundError } from '../../../src/application/application-error.js';
import { RenderGate } from '../../../src/application/render-gate.js';
import type { LocalFile } from '../../../src/application/ports/original-store.js';
import { DeleteImage } from '../../../src/application/use-cases/delete-image.js';
import { GetRendition, type GetRenditionOutput } from '../../../src/application/use-cases/get-rendition.js';
import { ObjectFolder } from '../../../src/adapters/filesystem/object-folder.js';
import { BucketOriginalStore } from '../../../src/adapters/object-storage/bucket-original-store.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import { contentVersionOf, type OriginalKey } from '../../../src/domain/original.js';
import { createApplicationHarness, RENDER_SETTINGS, type ApplicationHarness } from '../../support/application-harness.js';
import { settle } from '../../support/gate.js';
import { gradientJpeg } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { makeTempDir } from '../../support/storage-temp-dir.js';
import { uniqueId } from '../../support/unique-id.js';

/** A folder store that records which originals renders found as files. */
class WatchedFolderStore extends BucketOriginalStore {
  readonly found: LocalFile[] = [];
  constructor(root: string) {
    super(new ObjectFolder(root));
    const local = this.local!;
    (this as { local?: (key: OriginalKey) => Promise<LocalFile | undefined> }).local = async (key) => {
      const file = await local(key);
      if (file !== undefined) this.found.push(file);
      return file;
    };
  }
}

/**
 * GetRendition over a real folder of originals (ADR 0036): renders read the original's file, not a copy; an
 * original deleted between finding its file and the decoder opening it is the 404 it would be otherwise.
 */
describe('GetRendition with originals in a folder', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let h: ApplicationHarness;
  let originals: WatchedFolderStore;
  let getRendition: GetRendition;
  let id: ImageId;
  let original: Buffer;

  beforeEach(async () => {
    dir = await makeTempDir('local-originals');
    h = createApplicationHarness();
    originals = new WatchedFolderStore(path.join(dir.path, 'originals'));
    const { index, cache, transformer, clock, background, logger } = h;
    getRendition = new GetRendition({ index, originals, cache, transformer, clock, background, logger, settings: RENDER_SETTINGS });
    id = uniqueId('img');
    original = await gradientJpeg(64, 48);
    const info = await transformer.inspect(original);
    const metadata = { id, version: contentVersionOf(original), ...info, bytes: original.length, uploadedAt: clock.now() };
    await originals.put(metadata, original, 'image/jpeg');
    await index.saveOriginal(metadata, { replace: true });
  });

  afterEach(async () => {
    await h.background.drain();
    await dir.remove();
  });

  function get(pathname: string): Promise<GetRenditionOutput> {
    return getRendition.execute({ request: h.request(pathname, ''), accepts: new Set(), delivery: 'redirect' });
  }

  it('renders a miss from the original file: the same bytes as from the original in memory', async () => {
    const output = await get(`/${id}_20_15.jpg`);
    expect(output.kind).to.equal('rendered');
    const { rendition, image } = output as Extract<GetRenditionOutput, { kind: 'rendered' }>;
    expect(originals.found.map((file) => path.relative(dir.path, file.path))).to.deep.equal([`originals/${id}/${contentVersionOf(original)}`]);
    const fromMemory = await h.transformer.render(original, rendition.spec, await h.transformer.inspect(original));
    expect(Buffer.from(image.bytes).equals(Buffer.from(fromMemory.bytes))).to.equal(true);
  });

  it('an original deleted after its file was found and before the decoder opens it: 404, not a decode failure', async () => {
    h.transformer.hold();
    const answer = get(`/${id}_20_15.jpg`);
    await h.transformer.rendersStarted(1);
    expect(originals.found).to.have.length(1);
    await new DeleteImage(h.index, originals, h.cache).execute({ id });
    h.transformer.release();
    const error = await expectRejection(answer, OriginalNotFoundError);
    expect(error.message).to.match(/deleted or replaced while its rendition waited/);
  });

  it('a render waiting for a slot has found its file already (a slot is for the render alone); deleted meanwhile, it is the 404', async () => {
    const gate = new RenderGate({ concurrency: 1, queueLimit: 4, timeoutMs: 60_000 });
    const { index, cache, transformer, clock, background, logger } = h;
    getRendition = new GetRendition({ index, originals, cache, transformer, clock, background, logger, gate, settings: RENDER_SETTINGS });
    h.transformer.hold();
    const running = get(`/${id}_20_15.jpg`);
    await h.transformer.rendersStarted(1);
    const queued = get(`/${id}_30_22.jpg`);
    // Its look-up is real file I/O: let it reach the gate.
    for (let turn = 0; turn < 400 && gate.waiting === 0; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    await settle();
    expect([gate.active, gate.waiting]).to.deep.equal([1, 1]);
    expect(originals.found, 'the queued render looked its file up before its slot').to.have.length(2);
    await new DeleteImage(h.index, originals, h.cache).execute({ id });
    h.transformer.release();
    for (const answer of [running, queued]) {
      const error = await expectRejection(answer, OriginalNotFoundError);
      expect(error.message).to.match(/deleted or replaced while its rendition waited/);
    }
  });

  it('an original whose file the store lost while the index still lists it: the 404 that says so, logged', async () => {
    h.transformer.hold();
    const answer = get(`/${id}_20_15.jpg`);
    await h.transformer.rendersStarted(1);
    await rm(originals.found[0]!.path);
    h.transformer.release();
    const error = await expectRejection(answer, OriginalNotFoundError);
    expect(error.message).to.match(/missing from the store/);
    expect(h.logger.at('error').map((entry) => entry.message)).to.include('indexed original has no object');
  });
});
