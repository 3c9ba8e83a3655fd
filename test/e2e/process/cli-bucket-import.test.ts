import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { createGcsClient } from '../../../src/adapters/gcs/gcs-client.js';
import { createS3Client } from '../../../src/adapters/s3/s3-client.js';
import { gradientJpeg, quadrantPng } from '../../support/image-fixtures.js';
import { runLir } from '../../support/run-cli.js';
import { deleteEverythingUnder as deleteGcsPrefix, gcsConfigFor, gcsTestServer, skipWithoutGcs } from '../../integration/adapters/gcs-test-server.js';
import { deleteEverythingUnder as deleteS3Prefix, s3ConfigFor, s3TestServer, skipWithoutS3 } from '../../integration/adapters/s3-test-server.js';

/** What a bucket holds for every run: two images, one of them below a "subfolder", a refusal, a hidden file. */
async function incomingObjects(): Promise<Record<string, Uint8Array>> {
  return {
    'cat-01.jpg': await gradientJpeg(64, 48),
    dog_02: await quadrantPng(40, 20),
    'drawing.svg': new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
    '.DS_Store': new TextEncoder().encode('finder'),
    'deeper/bird-03.jpg': await gradientJpeg(16, 16),
  };
}

interface Report {
  readonly source: string;
  readonly completed: boolean;
  readonly imported: number;
  readonly skipped: number;
  readonly refused: number;
  readonly refusals: ReadonlyArray<{ readonly name: string; readonly code: string }>;
}

/** Imports `source` twice into the store `env` configures: the first run stores what it can, the second skips it all. */
async function importTwice(source: string, env: Record<string, string>, dir: string): Promise<void> {
  const reportFile = path.join(dir, 'report.json');
  const first = await runLir(['import', source, '--report', reportFile], env);
  expect(first.code, first.stderr).to.equal(0);
  expect(first.stderr, 'the progress bar').to.match(/3\/3 {2}100% {2}[\d.]+\/s/);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
  expect(report).to.include({ source, completed: true, imported: 2, skipped: 0, refused: 1 });
  expect(report.refusals.map((refusal) => [refusal.name.split('/').at(-1), refusal.code])).to.deep.equal([['drawing.svg', 'UNSUPPORTED_IMAGE']]);

  const again = await runLir(['import', source, '--quiet'], env);
  expect(again.code, again.stderr).to.equal(0);
  expect(again.stdout).to.contain('0 imported').and.to.contain('2 skipped');
  // No progress bar (the AWS SDK may warn about the Node version on stderr, which is not ours to test).
  expect(again.stderr).to.not.contain('100%');
}

describe('e2e (child process): lir import from a bucket', function () {
  this.timeout(180_000);
  let dir: string;
  const run = `test-runs/${randomUUID()}`;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lir-bucket-import-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('s3:// on a real S3 server (Ceph RGW), with the settings of the configured S3 original store', () => {
    before(function () {
      skipWithoutS3(this, 'lir import s3://');
    });

    after(async () => {
      const server = s3TestServer();
      if (server !== undefined) await deleteS3Prefix(server, `${run}/`);
    });

    it('imports the objects directly under the prefix, refuses what an upload would, and a rerun skips it all; an unknown bucket stops it', async () => {
      const server = s3TestServer()!;
      const admin = createS3Client(s3ConfigFor(server));
      try {
        for (const [name, bytes] of Object.entries(await incomingObjects())) {
          await admin.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${run}/s3-incoming/${name}`, Body: bytes }));
        }
      } finally {
        admin.destroy();
      }
      const env = {
        DATA_DIR: path.join(dir, 'data'),
        ORIGINALS_DRIVER: 's3',
        ORIGINALS_BUCKET: server.bucket,
        ORIGINALS_PREFIX: `${run}/s3-store`,
        ORIGINALS_ENDPOINT: server.endpoint,
        ORIGINALS_FORCE_PATH_STYLE: 'true',
        ORIGINALS_ACCESS_KEY_ID: server.accessKeyId,
        ORIGINALS_SECRET_ACCESS_KEY: server.secretAccessKey,
      };
      await importTwice(`s3://${server.bucket}/${run}/s3-incoming/`, env, dir);

      const missing = await runLir(['import', `s3://lir-no-such-bucket-${randomUUID().slice(0, 8)}/photos`, '-q'], env);
      expect(missing.code).to.equal(1);
      expect(missing.stdout).to.match(/cannot list s3:\/\/lir-no-such-bucket-\w+\/photos\/ \(S3 bucket lir-no-such-bucket-\w+: list photos\/ failed: /);
    });
  });

  describe('gs:// on the Cloud Storage emulator, with the settings of the configured Cloud Storage original store', () => {
    before(function () {
      skipWithoutGcs(this, 'lir import gs://');
    });

    after(async () => {
      const server = gcsTestServer();
      if (server !== undefined) await deleteGcsPrefix(server, `${run}/`);
    });

    it('imports the objects directly under the prefix, refuses what an upload would, and a rerun skips it all', async () => {
      const server = gcsTestServer()!;
      const bucket = createGcsClient(gcsConfigFor(server)).bucket(server.bucket);
      for (const [name, bytes] of Object.entries(await incomingObjects())) {
        await bucket.file(`${run}/gcs-incoming/${name}`).save(Buffer.from(bytes), { resumable: false });
      }
      const env = {
        DATA_DIR: path.join(dir, 'data'),
        ORIGINALS_DRIVER: 'gcs',
        ORIGINALS_BUCKET: server.bucket,
        ORIGINALS_PREFIX: `${run}/gcs-store`,
        ORIGINALS_API_ENDPOINT: server.endpoint,
        ORIGINALS_PROJECT_ID: 'demo-test',
      };
      await importTwice(`gs://${server.bucket}/${run}/gcs-incoming/`, env, dir);
    });
  });
});
