/**
 * rexsys-rx/node: what only Node can do. `fileStore(path)` keeps a client's pending
 * confirmed sends and de-duplication state in a file, across crashes and restarts.
 */
export { fileStore, type FileStoreOptions } from './file-store.js';
export type { RexsysStore, StoreLimits } from '../store/types.js';
