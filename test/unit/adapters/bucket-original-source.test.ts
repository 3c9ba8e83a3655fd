import { expect } from 'chai';
import { SourceUnreadableError, StoreUnavailableError } from '../../../src/application/application-error.js';
import type { SourceEntry } from '../../../src/application/ports/original-source.js';
import { BucketOriginalSource, type ListableBucket } from '../../../src/adapters/object-storage/bucket-original-source.js';
import type { ListedObject } from '../../../src/adapters/object-storage/object-bucket.js';
import { rejectionOf } from '../../support/rejection.js';

/** A bucket that lists what it holds under a prefix, as S3 and Cloud Storage do with the delimiter `/`. */
function bucketOf(objects: Record<string, string>, failures: { list?: Error; read?: Error } = {}): ListableBucket & { listed: string[] } {
  const listed: string[] = [];
  const unused = async (): Promise<never> => {
    throw new Error('not used by a source');
  };
  return {
    listed,
    async *list(prefix: string): AsyncIterable<ListedObject> {
      listed.push(prefix);
      for (const name of Object.keys(objects).sort()) {
        if (name.startsWith(prefix) && !name.slice(prefix.length).includes('/')) yield { name, bytes: objects[name]!.length };
        if (failures.list !== undefined) throw failures.list;
      }
    },
    read: async (name) => {
      if (failures.read !== undefined) throw failures.read;
      return name in objects ? new TextEncoder().encode(objects[name]) : undefined;
    },
    put: unused,
    open: unused,
    delete: unused,
    deletePrefix: unused,
    check: unused,
  };
}

async function entriesOf(source: BucketOriginalSource): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  for await (const entry of source.entries()) entries.push(entry);
  return entries;
}

describe('BucketOriginalSource (lir import s3://… and gs://…)', () => {
  it('lists the objects directly under the prefix in order, each with the id of its base name and its size', async () => {
    const bucket = bucketOf({
      'photos/b-2.png': 'bb',
      'photos/a-1.jpg': 'a',
      'photos/dog_02': 'ddd',
      'photos/': '',
      'photos/.DS_Store': 'finder',
      'photos/deeper/c.jpg': 'c',
      'elsewhere/e.jpg': 'e',
    });
    const entries = await entriesOf(new BucketOriginalSource(bucket, '/photos', 's3://b/photos/'));
    expect(bucket.listed).to.deep.equal(['photos/']);
    expect(entries.map(({ name, id, bytes }) => ({ name, id, bytes }))).to.deep.equal([
      { name: 'photos/a-1.jpg', id: 'a-1', bytes: 1 },
      { name: 'photos/b-2.png', id: 'b-2', bytes: 2 },
      { name: 'photos/dog_02', id: 'dog_02', bytes: 3 },
    ]);
    expect(new TextDecoder().decode(await entries[1]!.read())).to.equal('bb');
  });

  it('lists the whole bucket for an empty prefix', async () => {
    const entries = await entriesOf(new BucketOriginalSource(bucketOf({ 'top.jpg': 't', 'sub/x.jpg': 'x' }), '', 's3://b/'));
    expect(entries.map((entry) => entry.id)).to.deep.equal(['top']);
  });

  it('an object gone or unreadable is that entry\'s SourceUnreadableError; a failed listing stops the iteration with one naming the source', async () => {
    // Listed, then deleted before it was read.
    const [vanished] = await entriesOf(new BucketOriginalSource({ ...bucketOf({ 'p/a.jpg': 'a' }), read: async () => undefined }, 'p', 'gs://b/p/'));
    const gone = await rejectionOf(vanished!.read());
    expect(gone).to.be.instanceOf(SourceUnreadableError).and.have.property('message', 'cannot read p/a.jpg (it is gone)');

    const denied = new StoreUnavailableError('GCS bucket b: get p/a.jpg failed', { cause: new Error('403 Forbidden') });
    const [unreadable] = await entriesOf(new BucketOriginalSource(bucketOf({ 'p/a.jpg': 'a' }, { read: denied }), 'p', 'gs://b/p/'));
    const refused = await rejectionOf(unreadable!.read());
    expect(refused).to.be.instanceOf(SourceUnreadableError).and.have.property('message', 'cannot read p/a.jpg (GCS bucket b: get p/a.jpg failed: 403 Forbidden)');

    const listing = new StoreUnavailableError('S3 bucket b: list p/ failed', { cause: new Error('connect ECONNREFUSED') });
    const stopped = await rejectionOf(entriesOf(new BucketOriginalSource(bucketOf({ 'p/a.jpg': 'a', 'p/b.jpg': 'b' }, { list: listing }), 'p', 's3://b/p/')));
    expect(stopped).to.be.instanceOf(SourceUnreadableError).and.have.property('message', 'cannot list s3://b/p/ (S3 bucket b: list p/ failed: connect ECONNREFUSED)');
    expect((stopped as Error).cause).to.equal(listing);
  });
});
