import { RexsysStoreError } from '../errors.js';
import type { RexsysStore, StoreConnection, StoreContext } from './types.js';

/** A store opened before the engine that uses it is loaded. */
export interface OpenedStore {
  /** What the engine's `attachStore` opens with: the connection or its promise; throws the failure to open, which the engine reports. */
  readonly open: () => StoreConnection | Promise<StoreConnection>;
  /** The client closed before an engine took it: lets go of it (its lock included). */
  abandon(): void;
}

/**
 * Opens `store` now: a store held by another client throws `E_STORE_LOCKED` here, at
 * `createRexsysClient`, while the engine's code may still be loading. Any other failure
 * is kept for the engine, which reports it (`E_STORE`) and goes on in memory.
 */
export function openStore(store: RexsysStore, context: StoreContext): OpenedStore {
  let opened: StoreConnection | Promise<StoreConnection>;
  try {
    opened = store.open(context);
  } catch (e) {
    if (e instanceof RexsysStoreError && e.code === 'E_STORE_LOCKED') throw e;
    return {
      open: () => {
        throw e;
      },
      abandon: () => undefined,
    };
  }
  return {
    open: () => opened,
    abandon: () => {
      if (opened instanceof Promise)
        opened.then(
          (c) => c.close(),
          () => undefined,
        );
      else opened.close();
    },
  };
}
