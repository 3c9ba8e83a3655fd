import { expect } from 'chai';
import { IndexUnavailableError } from '../../../src/application/application-error.js';
import type { RenditionLock } from '../../../src/application/ports/rendition-lock.js';
import { GetRendition, type GetRenditionInput, type GetRenditionOutput } from '../../../src/application/use-cases/get-rendition.js';
import { InMemoryRenditionLock } from '../../../src/adapters/in-memory/in-memory-rendition-lock.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import { createApplicationHarness, RENDER_SETTINGS, type ApplicationHarness } from '../../support/application-harness.js';
import { settle } from '../../support/gate.js';
import { gradientJpeg } from '../../support/image-fixtures.js';
import { uniqueId } from '../../support/unique-id.js';

/*
 * Two GetRendition instances over the same index and stores stand for two replicas; the lock they share is the
 * in-process RenditionLock, a verified fake of the PostgreSQL one (both pass test/contract/rendition-lock).
 * The two-process version of this is test/e2e/http/two-replicas.test.ts.
 */
describe('GetRendition across replicas (RenditionLock)', () => {
  let h: ApplicationHarness;
  let id: ImageId;

  beforeEach(async () => {
    h = createApplicationHarness();
    id = uniqueId('replica');
    await h.seedOriginal(id, await gradientJpeg(64, 48));
  });

  function replica(lock: RenditionLock | undefined, lockWaitMs = 10_000): GetRendition {
    return new GetRendition({ ...h, settings: { ...RENDER_SETTINGS, lockWaitMs }, lock });
  }

  function input(path: string): GetRenditionInput {
    return { request: h.request(path), accepts: new Set(), delivery: 'proxy' };
  }

  async function settleMany(times = 20): Promise<void> {
    for (let n = 0; n < times; n++) await settle();
  }

  it('renders once: the other replica waits for the lock, which is released only after the row is written, then streams', async () => {
    const lock = new InMemoryRenditionLock();
    const [a, b] = [replica(lock), replica(lock)];
    h.transformer.hold();
    h.cache.putGate.close();
    const fromA = a.execute(input(`/${id}_32_32.png`));
    await h.transformer.rendersStarted(1);
    let answeredB: GetRenditionOutput | undefined;
    const fromB = b.execute(input(`/${id}_32_32.png`)).then((output) => (answeredB = output));
    await settleMany();

    h.transformer.release();
    const first = await fromA;
    expect(first.kind).to.equal('rendered');
    await settleMany();
    expect(h.cache.putsStarted).to.equal(1);
    // A answered, but its store has not finished: the lock is still held and B still waits.
    expect(lock.isHeld(first.rendition.key)).to.equal(true);
    expect(answeredB).to.equal(undefined);

    h.cache.putGate.open();
    const second = await fromB;
    expect(second.kind).to.equal('stream');
    expect(h.transformer.renders).to.equal(1);
    await h.background.drain();
    expect(lock.isHeld(first.rendition.key)).to.equal(false);
  });

  it('when the rendition the other replica stored is gone before it is read, renders it here once (no second wait) and stores it again', async () => {
    const inner = new InMemoryRenditionLock();
    let removeOnAcquire = false;
    // The object disappears behind the service's back in the moment between the row being found and the object read.
    const lock: RenditionLock = {
      async acquire(key, waitMs) {
        const held = await inner.acquire(key, waitMs);
        if (removeOnAcquire) await h.cache.purge(`${id}/`);
        return held;
      },
    };
    const [a, b] = [replica(lock), replica(lock)];
    h.transformer.hold();
    const fromA = a.execute(input(`/${id}_32_32.png`));
    await h.transformer.rendersStarted(1);
    removeOnAcquire = true;
    const fromB = b.execute(input(`/${id}_32_32.png`));
    await settleMany();
    h.transformer.release();
    expect((await fromA).kind).to.equal('rendered');

    const second = await fromB;
    expect(second.kind).to.equal('rendered');
    expect(h.transformer.renders).to.equal(2);
    expect(h.logger.at('warn').map((entry) => entry.message)).to.deep.equal(['index row without object; rendering again']);
    await h.background.drain();
    expect(h.cache.keys()).to.deep.equal([second.rendition.key]);
    expect(await h.index.findRendition(second.rendition.key)).to.not.equal(undefined);
  });

  it('without the lock both replicas render (what the lock prevents)', async () => {
    const [a, b] = [replica(undefined), replica(undefined)];
    h.transformer.hold();
    const answers = Promise.all([a.execute(input(`/${id}_32_32.png`)), b.execute(input(`/${id}_32_32.png`))]);
    await h.transformer.rendersStarted(2);
    h.transformer.release();
    expect((await answers).map((output) => output.kind)).to.deep.equal(['rendered', 'rendered']);
    expect(h.transformer.renders).to.equal(2);
  });

  it('renders anyway when the wait runs out (the holder is slow or stuck), and says so in the log', async () => {
    const lock = new InMemoryRenditionLock();
    const [a, b] = [replica(lock), replica(lock, 30)];
    h.transformer.hold();
    const fromA = a.execute(input(`/${id}_32_32.png`));
    await h.transformer.rendersStarted(1);
    const fromB = b.execute(input(`/${id}_32_32.png`));
    await h.transformer.rendersStarted(2);
    h.transformer.release();
    expect((await Promise.all([fromA, fromB])).map((output) => output.kind)).to.deep.equal(['rendered', 'rendered']);
    expect(h.logger.at('warn').map((entry) => entry.message)).to.include('rendition lock wait ran out; rendering without it');
  });

  it('renders without the lock when the lock cannot be taken (database trouble): the request is still answered', async () => {
    const broken: RenditionLock = { acquire: () => Promise.reject(new IndexUnavailableError('lock database down')) };
    const output = await replica(broken).execute(input(`/${id}_32_32.png`));
    expect(output.kind).to.equal('rendered');
    expect(h.logger.at('warn').map((entry) => entry.message)).to.include('rendition lock unavailable; rendering without it');
  });

  it('releases the lock when the render fails', async () => {
    const lock = new InMemoryRenditionLock();
    h.originals.fail();
    const failed = await replica(lock).execute(input(`/${id}_32_32.png`)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).to.be.instanceOf(Error);
    await h.background.drain();
    h.originals.recover();
    const output = await replica(lock, 0).execute(input(`/${id}_32_32.png`));
    expect(output.kind, 'a zero wait would fail on a lock left held').to.equal('rendered');
    expect(h.logger.at('warn').map((entry) => entry.message)).to.not.include('rendition lock wait ran out; rendering without it');
  });
});
