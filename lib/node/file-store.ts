/**
 * `fileStore(path)`: the durable store of confirmed delivery for Node, in one file
 * (an append-only log of CRC-framed JSON lines, see docs/guide.md "What survives what")
 * and a lock file beside it (`<path>.lock`, holding the owner's pid and host).
 *
 * Durability: `write` appends with a synchronous `write(2)` before it returns, so a
 * confirmed send is in the operating system when `send(...).subscribe()` returns and
 * survives the process being killed (SIGKILL included). Against a power cut, the file
 * is `fsync`ed `fsyncInterval` ms (default 200) after the first unsynced write, and at
 * close; `fsync: 'always'` syncs inside every write instead (slower: a flash card may
 * take 10 ms or more per sync), `fsync: 'never'` leaves it to the OS.
 *
 * Recovery: every intact record is loaded; a damaged line, or a last line cut short,
 * is skipped and reported on `errors$` (`E_STORE`), the damaged file is kept beside it
 * as `<path>.corrupt-<time>`, and a clean file is written in its place (so the next
 * start neither reports it again nor stumbles on it).
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { RexsysStoreError } from '../errors.js';
import { FILE_HEADER, LineFramer, StoreState, frame, frameChange, parseLog } from '../store/records.js';
import { resolveLimits, type RexsysStore, type StoreConnection, type StoreContext, type StoreLimits } from '../store/types.js';

export interface FileStoreOptions extends StoreLimits {
  /** When the file is fsynced: within `fsyncInterval` ms of a write, inside every write, or never. @default 'interval' */
  readonly fsync?: 'interval' | 'always' | 'never';
  /** Ms between a write and its fsync (`fsync: 'interval'`). @default 200 */
  readonly fsyncInterval?: number;
}

/** Paths opened by this process (a second client on one path is refused at once). */
const openHere = new Set<string>();

/**
 * A store in the file at `path` (created with its directory when missing). One client
 * at a time may open it: a second, in this or another live process, gets
 * `E_STORE_LOCKED` from `createRexsysClient`; a lock left by a dead process is taken over.
 */
export function fileStore(path: string, options: FileStoreOptions = {}): RexsysStore {
  const file = resolve(path);
  const fsyncMode = options.fsync ?? 'interval';
  const fsyncInterval = options.fsyncInterval !== undefined && options.fsyncInterval >= 0 ? options.fsyncInterval : 200;
  return {
    name: file,
    limits: resolveLimits(options),
    open: (context) => openFile(file, fsyncMode, fsyncInterval, context),
  };
}

function lock(file: string): string {
  const lockPath = `${file}.lock`;
  if (openHere.has(file))
    throw new RexsysStoreError('E_STORE_LOCKED', `The store ${file} is already open in this process: close the other client first.`, { path: file });
  const me = JSON.stringify({ pid: process.pid, host: hostname(), since: Date.now() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, me);
      fsyncSync(fd);
      closeSync(fd);
      openHere.add(file);
      return lockPath;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new RexsysStoreError('E_STORE', `Cannot create the lock file ${lockPath}: ${(e as Error).message}`, { path: file, cause: e });
    }
    let owner: { pid?: unknown; host?: unknown } = {};
    try {
      owner = JSON.parse(readFileSync(lockPath, 'utf8')) as typeof owner;
    } catch {
      // Unreadable (a crash while writing it): stale.
    }
    if (typeof owner.pid === 'number' && owner.host === hostname() && owner.pid !== process.pid && alive(owner.pid)) {
      throw new RexsysStoreError(
        'E_STORE_LOCKED',
        `The store ${file} is in use by process ${owner.pid} (lock file ${lockPath}): one client per store. Stop that process, or give this one another path.`,
        { path: file },
      );
    }
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && owner.host !== hostname()) {
      throw new RexsysStoreError(
        'E_STORE_LOCKED',
        `The store ${file} is locked by host ${owner.host} (pid ${owner.pid}); delete ${lockPath} if that host is gone.`,
        {
          path: file,
        },
      );
    }
    // The owner is dead: take the lock over.
    try {
      unlinkSync(lockPath);
    } catch {
      // Someone else took it over first: try again.
    }
  }
  throw new RexsysStoreError('E_STORE_LOCKED', `Could not take the lock ${lockPath} over.`, { path: file });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory: the rename is still atomic.
  }
}

/** Writes `state` as a fresh file (temp file, fsync, rename, fsync the directory). */
function rewrite(file: string, state: StoreState): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(
      fd,
      frame(FILE_HEADER) +
        state
          .changes()
          .map((c) => frameChange(c))
          .join(''),
    );
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  syncDir(dirname(file));
}

function openFile(file: string, fsyncMode: 'interval' | 'always' | 'never', fsyncInterval: number, context: StoreContext): StoreConnection {
  mkdirSync(dirname(file), { recursive: true });
  const lockPath = lock(file);
  let state: StoreState;
  let records = 0;
  try {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const parsed = parseLog(text);
    state = parsed.state;
    if (parsed.problems.length > 0) {
      const kept = `${file}.corrupt-${Date.now()}`;
      try {
        copyFileSync(file, kept);
      } catch {
        // Keeping a copy is a courtesy.
      }
      const list = parsed.problems
        .slice(0, 5)
        .map((p) => `line ${p.line}: ${p.reason}`)
        .join('; ');
      context.report(
        new RexsysStoreError(
          'E_STORE',
          `The store ${file} had ${parsed.problems.length} damaged record(s) (${list}${parsed.problems.length > 5 ? '; …' : ''}): skipped, ${parsed.records} intact record(s) loaded; the damaged file is kept as ${kept}.`,
          { path: file },
        ),
      );
    }
    // A fresh, compact file each start: what was damaged is gone, the log starts short.
    rewrite(file, state);
    records = state.sends.size + state.windows.size;
  } catch (e) {
    openHere.delete(file);
    try {
      unlinkSync(lockPath);
    } catch {
      // Nothing to release.
    }
    throw e instanceof RexsysStoreError
      ? e
      : new RexsysStoreError('E_STORE', `Cannot open the store ${file}: ${(e as Error).message}`, { path: file, cause: e });
  }

  let fd: number | undefined = openSync(file, 'a');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unsynced = false;
  let failed = false;
  const sync = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (fd === undefined || !unsynced) return;
    unsynced = false;
    try {
      fsyncSync(fd);
    } catch (e) {
      fail(e);
    }
  };
  const fail = (e: unknown) => {
    if (failed) return;
    failed = true; // one report, not one per write
    context.report(
      new RexsysStoreError('E_STORE', `Writing the store ${file} failed: ${(e as Error).message}. Pending sends are kept in memory only.`, {
        path: file,
        cause: e,
      }),
    );
  };
  const snapshot = state.snapshot();
  const framer = new LineFramer();

  return {
    snapshot,
    write(changes) {
      if (fd === undefined || changes.length === 0) return;
      for (const c of changes) state.apply(c);
      try {
        // Compaction: once the log holds far more records than the state, write the state anew.
        records += changes.length;
        const live = state.sends.size + state.windows.size;
        if (records > 1024 && records > 4 * live) {
          closeSync(fd);
          fd = undefined;
          rewrite(file, state);
          fd = openSync(file, 'a');
          records = live;
          return;
        }
        let text = '';
        for (const c of changes) text += framer.frame(c);
        writeSync(fd, text);
        failed = false;
        unsynced = true;
        if (fsyncMode === 'always') sync();
        else if (fsyncMode === 'interval' && !timer) {
          timer = setTimeout(sync, fsyncInterval);
          timer.unref?.();
        }
      } catch (e) {
        fail(e);
        if (fd === undefined) {
          try {
            fd = openSync(file, 'a');
          } catch {
            // Stays closed: later writes are dropped (reported once).
          }
        }
      }
    },
    flush() {
      sync();
      return Promise.resolve();
    },
    close() {
      if (fd === undefined) return;
      unsynced = true;
      sync();
      closeSync(fd);
      fd = undefined;
      openHere.delete(file);
      try {
        unlinkSync(lockPath);
      } catch {
        // Already gone.
      }
    },
  };
}
