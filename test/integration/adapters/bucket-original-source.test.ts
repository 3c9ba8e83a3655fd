import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Storage } from '@google-cloud/storage';
import { expect } from 'chai';
import { GcsBucket } from '../../../src/adapters/gcs/gcs-bucket.js';
import { createGcsClient } from '../../../src/adapters/gcs/gcs-client.js';
import { BucketOriginalSource, type ListableBucket } from '../../../src/adapters/object-storage/bucket-original-source.js';
import { S3Bucket } from '../../../src/adapters/s3/s3-bucket.js';
import { createS3Client } from '../../../src/adapters/s3/s3-client.js';
import type { SourceEntry } from '../../../src/application/ports/original-source.js';
import { parseImageId } from '../../../src/domain/image-id.js';
import { createApplicationHarness } from '../../support/application-harness.js';
import { gradientJpeg } from '../../support/image-fixtures.js';
import { deleteEverythingUnder as deleteGcsPrefix, gcsConfigFor, gcsTestServer, skipWithoutGcs } from './gcs-test-server.js';
import { deleteEverythingUnder as deleteS3Prefix, s3ConfigFor, s3TestServer, skipWithoutS3 } from './s3-test-server.js';

const IDS = ['a-01', 'b-02', 'c-03', 'd-04', 'e-05'];

type Interceptor = Storage['interceptors'][number];

/**
 * Five images directly under the prefix, plus a hidden object and one below a further `/` (listed as a prefix, which
 * takes a place in a page too): with two names a page, the listing takes four pages.
 */
async function incomingObjects(): Promise<Record<string, Uint8Array>> {
  const objects: Record<string, Uint8Array> = { '.hidden': new TextEncoder().encode('finder'), 'deeper/f-06.jpg': await gradientJpeg(8, 8) };
  for (const [at, id] of IDS.entries()) objects[`${id}.jpg`] = await gradientJpeg(16 + at, 12);
  return objects;
}

async function idsOf(entries: AsyncIterable<SourceEntry>): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of entries) ids.push(entry.id);
  return ids;
}

/** The first `count` entries, then the end: a run stopped part of the way through. */
async function* firstOf(entries: AsyncIterable<SourceEntry>, count: number): AsyncIterable<SourceEntry> {
  let taken = 0;
  for await (const entry of entries) {
    if (taken++ === count) return;
    yield entry;
  }
}

/**
 * Lists `prefix` two names a page: every object directly under it is seen once, in order, over several listing
 * requests; an import stopped after three entries and run again imports the other two and skips the three, and a
 * third run skips all five.
 */
async function listsPageByPage(bucket: ListableBucket, prefix: string, listings: () => number): Promise<void> {
  const source = new BucketOriginalSource(bucket, prefix, `bucket://${prefix}`, 2);
  const before = listings();
  expect(await idsOf(source.entries())).to.deep.equal(IDS);
  expect(listings() - before, 'listing requests').to.be.at.least(3);

  const h = createApplicationHarness();
  const stopped = await h.importOriginals.execute({ entries: firstOf(source.entries(), 3) });
  expect(stopped).to.include({ imported: 3, skipped: 0, refused: 0 });
  const resumed = await h.importOriginals.execute({ entries: source.entries() });
  expect(resumed).to.include({ imported: 2, skipped: 3, refused: 0 });
  const again = await h.importOriginals.execute({ entries: source.entries() });
  expect(again).to.include({ imported: 0, skipped: 5, refused: 0 });
  for (const id of IDS) expect(await h.index.findOriginal(parseImageId(id)), id).to.not.equal(undefined);
}

describe('BucketOriginalSource over several listing pages (lir import s3://… and gs://…)', function () {
  this.timeout(60_000);
  const run = `test-runs/${randomUUID()}`;

  describe('on a real S3 server (Ceph RGW)', () => {
    before(function () {
      skipWithoutS3(this, 'S3 listing pages');
    });

    after(async () => {
      const server = s3TestServer();
      if (server !== undefined) await deleteS3Prefix(server, `${run}/`);
    });

    it('sees every object directly under the prefix once, two a page, and a resumed import is idempotent', async () => {
      const server = s3TestServer()!;
      const client = createS3Client(s3ConfigFor(server));
      let listings = 0;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'ListObjectsV2Command') listings++;
          return next(args);
        },
        { step: 'initialize' },
      );
      try {
        for (const [name, bytes] of Object.entries(await incomingObjects())) {
          await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${run}/s3/${name}`, Body: bytes }));
        }
        await listsPageByPage(new S3Bucket(client, s3ConfigFor(server)), `${run}/s3`, () => listings);
      } finally {
        client.destroy();
      }
    });
  });

  describe('on the Cloud Storage emulator', () => {
    before(function () {
      skipWithoutGcs(this, 'Cloud Storage listing pages');
    });

    after(async () => {
      const server = gcsTestServer();
      if (server !== undefined) await deleteGcsPrefix(server, `${run}/`);
    });

    it('sees every object directly under the prefix once, two a page, and a resumed import is idempotent', async () => {
      const server = gcsTestServer()!;
      const storage = createGcsClient(gcsConfigFor(server));
      let listings = 0;
      storage.interceptors.push({
        request(options) {
          // The SDK hands its own request options to interceptors, typed as the HTTP library's.
          const request = options as ReturnType<Interceptor['request']>;
          if ((request.method ?? 'GET') === 'GET' && /\/o$/.test(request.uri)) listings++;
          return request;
        },
      });
      for (const [name, bytes] of Object.entries(await incomingObjects())) {
        await storage.bucket(server.bucket).file(`${run}/gcs/${name}`).save(Buffer.from(bytes), { resumable: false });
      }
      await listsPageByPage(new GcsBucket(storage, gcsConfigFor(server)), `${run}/gcs`, () => listings);
    });
  });
});
