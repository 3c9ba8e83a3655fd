import { describeOriginalStoreContract } from '../../contract/original-store.contract.js';
import { gcsOriginalStore, gcsRun, gcsTestServer, skipWithoutGcs } from './gcs-test-server.js';

describe('The GCS original store against the Cloud Storage emulator (firebase-tools; no precondition checks)', function () {
  before(function () {
    skipWithoutGcs(this, 'GCS original store integration tests');
  });

  describeOriginalStoreContract(
    'BucketOriginalStore over GcsBucket on the firebase-tools emulator',
    () => gcsRun(gcsTestServer()!, gcsOriginalStore),
    { modelRuns: 10 },
  );
});
