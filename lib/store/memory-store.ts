/**
 * `memoryStore()`: a store in this JavaScript realm's memory. It outlives a client (a
 * client closed and created again on the same store resumes its pending sends and its
 * de-duplication), not the process or the page. Without a `store` option a client keeps
 * the same state privately (today's behaviour).
 */
import { RexsysStoreError } from '../errors.js';
import { StoreState } from './records.js';
import { resolveLimits, type RexsysStore, type StoreConnection, type StoreLimits } from './types.js';

export function memoryStore(options: StoreLimits = {}): RexsysStore {
  const state = new StoreState();
  let open = false;
  return {
    name: 'memory',
    limits: resolveLimits(options),
    open(_context): StoreConnection {
      if (open)
        throw new RexsysStoreError('E_STORE_LOCKED', 'This memoryStore() is in use by another client: close it first, or give each client its own store.', {
          path: 'memory',
        });
      open = true;
      return {
        snapshot: state.snapshot(),
        write: (changes) => changes.forEach((c) => state.apply(c)),
        flush: () => Promise.resolve(),
        close: () => {
          open = false;
        },
      };
    },
  };
}
