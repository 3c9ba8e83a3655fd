import { expect } from 'chai';
import { deferredPort, loadDriver, releaseWhenLoaded } from '../../../src/infrastructure/di/driver-loading.js';
import { rejectionOf } from '../../support/rejection.js';

interface Counter {
  add(step: number): Promise<number>;
  /** Optional: `CountingPort` does not have it (as a bucket store has no `OriginalStore.local`). */
  local?(name: string): Promise<string | undefined>;
}

class CountingPort implements Counter {
  private total = 0;
  async add(step: number): Promise<number> {
    this.total += step;
    return this.total;
  }
}

describe('driver loading (drivers imported only when configured)', () => {
  it("leaves an optional method the driver does not have absent once it has loaded, and answers undefined for it before", async () => {
    let loaded!: (port: Counter) => void;
    const port = deferredPort<Counter>(new Promise((resolve) => (loaded = resolve)));
    const early = port.local?.('x');
    loaded(new CountingPort());
    expect(await early).to.equal(undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(port.local).to.equal(undefined);
    expect(await port.add(2)).to.equal(2);
  });

  it('names the setting and the npm install command when a driver package is not installed', async () => {
    const loading = loadDriver('originals.driver "s3"', ['lir-package-that-is-not-installed', 'another-one'], async () => {
      const name = 'lir-package-that-is-not-installed';
      return import(name);
    });
    const error = (await rejectionOf(loading)) as Error;
    expect(error.message).to.equal(
      'originals.driver "s3" needs the package lir-package-that-is-not-installed, which is not installed (it is an optional dependency): npm install lir-package-that-is-not-installed another-one',
    );
    expect((error.cause as NodeJS.ErrnoException).code).to.equal('ERR_MODULE_NOT_FOUND');
  });

  it('passes any other failure of the driver on unchanged', async () => {
    const failure = new Error('bad credentials');
    expect(await rejectionOf(loadDriver('x', ['pg'], () => Promise.reject(failure)))).to.equal(failure);
  });

  it('never leaves an unhandled rejection behind when nobody calls the ports of a failed driver', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const loading = loadDriver('x', ['pg'], () => Promise.reject(new Error('never awaited')));
      deferredPort<Counter>(loading.then(() => new CountingPort()));
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', record);
    }
    expect(unhandled).to.deep.equal([]);
  });

  it('forwards each call of a deferred port to the driver once it has loaded, with the driver as this', async () => {
    let loaded!: (port: Counter) => void;
    const port = deferredPort<Counter>(new Promise((resolve) => (loaded = resolve)));
    const first = port.add(2);
    const second = port.add(3);
    loaded(new CountingPort());
    expect(await first).to.equal(2);
    expect(await second).to.equal(5);
    expect(await port.add(1)).to.equal(6);
  });

  it('rejects every call of a deferred port whose driver failed to load, and is never taken for a promise', async () => {
    const port = deferredPort<Counter>(loadDriver('x', ['pg'], () => Promise.reject(new Error('no driver'))));
    expect((port as unknown as { then?: unknown }).then).to.equal(undefined);
    expect(await Promise.resolve(port)).to.equal(port);
    expect(((await rejectionOf(port.add(1))) as Error).message).to.equal('no driver');
  });

  it('releases a loaded driver, and nothing for a driver that failed to load', async () => {
    const released: string[] = [];
    await releaseWhenLoaded(Promise.resolve('client'), (client) => released.push(client));
    await releaseWhenLoaded(loadDriver('x', ['pg'], () => Promise.reject(new Error('no driver'))), () => released.push('failed'));
    expect(released).to.deep.equal(['client']);
  });
});
