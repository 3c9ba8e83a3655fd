import { describeOriginalStoreContract } from '../../contract/original-store.contract.js';
import { s3OriginalStore, s3Run, s3TestServer, skipWithoutS3 } from './s3-test-server.js';

describe('The S3 original store against a real S3 server (Ceph RADOS Gateway)', function () {
  before(function () {
    skipWithoutS3(this, 'S3 original store integration tests');
  });

  describeOriginalStoreContract(
    'BucketOriginalStore over S3Bucket on Ceph RGW',
    () => s3Run(s3TestServer()!, s3OriginalStore),
    { modelRuns: 10 },
  );
});
