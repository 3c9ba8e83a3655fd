import { GcsOriginalStore } from '../../../src/adapters/gcs/gcs-original-store.js';
import { describeOriginalStoreContract } from '../../contract/original-store.contract.js';
import { gcsRun, gcsTestServer, skipWithoutGcs } from './gcs-test-server.js';

describe('GcsOriginalStore against the Cloud Storage emulator (firebase-tools; no precondition checks)', function () {
  before(function () {
    skipWithoutGcs(this, 'GcsOriginalStore integration tests');
  });

  describeOriginalStoreContract(
    'GcsOriginalStore on the firebase-tools emulator',
    () => gcsRun(gcsTestServer()!, (storage, config) => new GcsOriginalStore(storage, config)),
    { modelRuns: 10 },
  );
});
