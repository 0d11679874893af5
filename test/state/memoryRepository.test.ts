import { MemoryStateRepository, MemoryStateStore } from '../../src/state/memoryRepository.js';
import { repositoryContract } from './repositoryContract.js';

repositoryContract('memory', async () => {
  const store = new MemoryStateStore();
  const outageStore = new MemoryStateStore();
  return {
    newRepository: async (instanceId) => new MemoryStateRepository({ store, instanceId }),
    documentsHeld: async (p) => store.documentsHeld(p),
    claimHeld: async (key, hash) => store.claimHeld(key, hash),
    // Every entry of the memory store expires by construction (documents and claims carry their expiry).
    keysWithoutExpiry: async () => [],
    outage: {
      newRepository: async (instanceId) => new MemoryStateRepository({ store: outageStore, instanceId }),
      stop: async () => outageStore.setAvailable(false),
      start: async () => outageStore.restart(),
    },
    cleanup: async () => {},
  };
});
