import { S3OriginalStore } from '../../../src/adapters/s3/s3-original-store.js';
import { describeOriginalStoreContract } from '../../contract/original-store.contract.js';
import { s3Run, s3TestServer, skipWithoutS3 } from './s3-test-server.js';

describe('S3OriginalStore against a real S3 server (Ceph RADOS Gateway)', function () {
  before(function () {
    skipWithoutS3(this, 'S3OriginalStore integration tests');
  });

  describeOriginalStoreContract(
    'S3OriginalStore on Ceph RGW',
    () => s3Run(s3TestServer()!, (client, config) => new S3OriginalStore(client, config)),
    { modelRuns: 10 },
  );
});
