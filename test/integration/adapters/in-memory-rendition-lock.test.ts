import { InMemoryRenditionLock } from '../../../src/adapters/in-memory/in-memory-rendition-lock.js';
import { describeRenditionLockContract } from '../../contract/rendition-lock.contract.js';

describeRenditionLockContract('InMemoryRenditionLock', async () => {
  // Process-local: the "other replica" is this same process, so both clients are one instance.
  const lock = new InMemoryRenditionLock();
  return { subject: lock, other: lock, cleanup: async () => undefined };
});
