/**
 * `indexedDbStore(name)`: the durable store of confirmed delivery for browsers, in the
 * IndexedDB database `name` (one object store, `records`: one record per pending send
 * and per sender instance a receiver tracks). No Node built-ins.
 *
 * Durability is asynchronous: `write` updates the store's memory at once and commits
 * to IndexedDB in one transaction per turn of the event loop; `client.outbox.flush()`
 * resolves once everything written so far is committed (from then on it survives a
 * reload, a crash of the tab and of the browser).
 *
 * One tab at a time: with the Web Locks API (every current browser), a second tab on
 * the same database waits, reports `E_STORE_LOCKED` once on its `errors$`, and takes the
 * store over (with what the first left pending) when the first closes its client or
 * goes away. Damaged records are skipped, deleted and reported (`E_STORE`).
 */
import { RexsysStoreError } from '../errors.js';
import { StoreState, decodeChange, encodeChange } from './records.js';
import { resolveLimits, type RexsysStore, type StoreChange, type StoreConnection, type StoreContext, type StoreLimits } from './types.js';

const OBJECT_STORE = 'records';

interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean }, cb: (lock: unknown) => Promise<void>): Promise<void>;
}

const keyOf = (c: StoreChange): string => {
  switch (c.op) {
    case 'send':
      return `s\0${c.send.epoch}\0${c.send.receiver}\0${c.send.seq}`;
    case 'done':
      return `s\0${c.epoch}\0${c.receiver}\0${c.seq}`;
    case 'window':
      return `w\0${c.window.sender}\0${c.window.epoch}`;
    case 'forget':
      return `w\0${c.sender}\0${c.epoch}`;
  }
};

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** A store in IndexedDB (browsers). @param name the database name; one per client. */
export function indexedDbStore(name = 'rexsys-rx', options: StoreLimits = {}): RexsysStore {
  return { name: `indexedDB:${name}`, limits: resolveLimits(options), open: (context) => openIdb(name, context) };
}

async function acquireLock(name: string, context: StoreContext): Promise<() => void> {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  if (!locks) return () => undefined; // no Web Locks: no guard between tabs (documented)
  const lockName = `rexsys-rx-store:${name}`;
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const granted = await new Promise<boolean>((resolve) => {
    void locks.request(lockName, { ifAvailable: true }, async (lock) => {
      resolve(lock !== null);
      if (lock !== null) await held;
    });
  });
  if (granted) return release;
  context.report(
    new RexsysStoreError(
      'E_STORE_LOCKED',
      `The store indexedDB:${name} is in use by another tab or window: this client waits and takes it over when that one closes (confirmed sends wait meanwhile).`,
      { path: `indexedDB:${name}` },
    ),
  );
  await new Promise<void>((resolve) => {
    void locks.request(lockName, {}, async () => {
      resolve();
      await held;
    });
  });
  return release;
}

async function openIdb(name: string, context: StoreContext): Promise<StoreConnection> {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) throw new RexsysStoreError('E_STORE', 'IndexedDB is not available here: confirmed sends are kept in memory only.', { path: `indexedDB:${name}` });
  const unlock = await acquireLock(name, context);
  let db: IDBDatabase;
  try {
    const open = idb.open(name, 1);
    open.onupgradeneeded = () => {
      if (!open.result.objectStoreNames.contains(OBJECT_STORE)) open.result.createObjectStore(OBJECT_STORE);
    };
    db = await request(open);
  } catch (e) {
    unlock();
    throw e;
  }
  const state = new StoreState();
  const bad: IDBValidKey[] = [];
  {
    const tx = db.transaction(OBJECT_STORE, 'readonly');
    const os = tx.objectStore(OBJECT_STORE);
    const [keys, values] = await Promise.all([request(os.getAllKeys()), request(os.getAll())]);
    // Sends in the order they were stored (`n`), so older sender instances come first.
    const rows = keys.map((k, i) => ({ k, v: values[i] as { n?: unknown; r?: unknown } | undefined }));
    rows.sort((a, b) => (typeof a.v?.n === 'number' ? a.v.n : 0) - (typeof b.v?.n === 'number' ? b.v.n : 0));
    for (const { k, v } of rows) {
      const c = decodeChange(v?.r);
      if (typeof c === 'string' || keyOf(c) !== k) bad.push(k);
      else state.apply(c);
    }
  }
  if (bad.length > 0) {
    context.report(
      new RexsysStoreError('E_STORE', `The store indexedDB:${name} had ${bad.length} damaged record(s): skipped and deleted, the rest loaded.`, {
        path: `indexedDB:${name}`,
      }),
    );
    const tx = db.transaction(OBJECT_STORE, 'readwrite');
    for (const k of bad) tx.objectStore(OBJECT_STORE).delete(k);
  }
  let counter = Date.now() * 1000;
  /** key → record (undefined: delete), not yet committed. */
  let queued = new Map<string, unknown>();
  let scheduled = false;
  let lastCommit: Promise<void> = Promise.resolve();
  let closed = false;
  let failed = false;

  const commit = (): Promise<void> => {
    scheduled = false;
    if (queued.size === 0) return lastCommit;
    const batch = queued;
    queued = new Map();
    lastCommit = new Promise<void>((resolve) => {
      try {
        const tx = db.transaction(OBJECT_STORE, 'readwrite');
        const os = tx.objectStore(OBJECT_STORE);
        for (const [k, v] of batch) {
          if (v === undefined) os.delete(k);
          else os.put(v, k);
        }
        tx.oncomplete = () => resolve();
        tx.onerror = tx.onabort = () => {
          report(tx.error);
          resolve();
        };
      } catch (e) {
        report(e);
        resolve();
      }
    });
    return lastCommit;
  };
  const report = (e: unknown) => {
    if (failed) return;
    failed = true;
    context.report(
      new RexsysStoreError('E_STORE', `Writing the store indexedDB:${name} failed: ${(e as Error)?.message ?? String(e)}.`, {
        path: `indexedDB:${name}`,
        cause: e,
      }),
    );
  };

  return {
    snapshot: state.snapshot(),
    write(changes) {
      if (closed) return;
      for (const c of changes) {
        state.apply(c);
        const k = keyOf(c);
        queued.set(k, c.op === 'done' || c.op === 'forget' ? undefined : { n: counter++, r: encodeChange(c) });
      }
      if (!scheduled) {
        scheduled = true;
        setTimeout(() => void commit(), 0);
      }
    },
    flush: () => commit(),
    close() {
      if (closed) return;
      closed = true;
      void commit().then(() => {
        db.close();
        unlock();
      });
    },
  };
}
