/**
 * The durable store of confirmed delivery (createRexsysClient option `store`): where a
 * client keeps its pending confirmed sends (each under the epoch and seq it was first
 * sent with) and, as a receiver, where it stands with each sender instance.
 *
 * The engine talks to a store only through {@link StoreConnection}: it reads the
 * snapshot once, then hands over changes synchronously (`write`). What `write` means
 * for durability is the store's: the file store has the change in the operating
 * system before `write` returns; the browser store has it in memory and in IndexedDB
 * once `flush()` resolves.
 *
 * A store never holds credentials: only messages (receiver, command, data, deadline)
 * and sequence numbers.
 */
import type { RexsysError } from '../errors.js';
import type { Via } from '../client/types.js';
import type { SchedulerLike } from 'rxjs';

/** One pending confirmed send, as stored. */
export interface StoredSend {
  /** The sender instance it was first sent under (restored sends keep it). */
  readonly epoch: string;
  readonly receiver: string;
  readonly seq: number;
  readonly id: string;
  readonly command: string;
  /** The application data (after the command's codec). */
  readonly data: unknown;
  /** Deadline, ms since the Unix epoch. */
  readonly expires: number;
  readonly via: Via;
  /** Ms each transmission may take. */
  readonly timeout: number;
  /** The send's ttl (for the E_UNCONFIRMED message). */
  readonly ttl: number;
}

/** Where a receiver stands with one sender instance: every seq below `next` was handed over. */
export interface StoredWindow {
  readonly sender: string;
  readonly epoch: string;
  readonly next: number;
  /** The latest deadline seen from it (until then a late retransmit may come). */
  readonly latestExpiry: number;
  /** Last arrival, ms since the Unix epoch. */
  readonly lastSeen: number;
}

/** What a store holds. */
export interface StoreSnapshot {
  readonly sends: readonly StoredSend[];
  readonly windows: readonly StoredWindow[];
}

/** One change the engine hands to its store. */
export type StoreChange =
  /** `json`: the record's JSON (`sendJson` in ./records.ts) when the engine made it to measure the send; the file store writes it as is (#18). */
  | { readonly op: 'send'; readonly send: StoredSend; readonly json?: string }
  /** A send settled (confirmed, given up, cancelled): it leaves the store. */
  | { readonly op: 'done'; readonly epoch: string; readonly receiver: string; readonly seq: number }
  | { readonly op: 'window'; readonly window: StoredWindow }
  /** The receiver forgot a sender instance. */
  | { readonly op: 'forget'; readonly sender: string; readonly epoch: string };

/** Bounds of a store: one more pending send fails with `E_OUTBOX_FULL`. */
export interface StoreLimits {
  /** Pending sends at most. @default 10000 */
  readonly maxEntries?: number;
  /** Bytes of pending sends at most (their JSON). @default 16 MiB */
  readonly maxBytes?: number;
}

/** What the engine gives a store when it opens it. */
export interface StoreContext {
  /** Non-fatal problems (damaged records, failed writes): the client's `errors$`. */
  report(error: RexsysError): void;
  /** Wall clock, ms since the Unix epoch. */
  now(): number;
}

/** An open store, for one client. */
export interface StoreConnection {
  /** What the store held when it opened (damaged records already skipped and reported). */
  readonly snapshot: StoreSnapshot;
  /** Applies changes; the store decides when they are durable (see {@link RexsysStore}). Never throws. */
  write(changes: readonly StoreChange[]): void;
  /** Resolves once every change written so far is durable (survives what the store promises to survive). */
  flush(): Promise<void>;
  /** Flushes and lets go (lock included). */
  close(): void;
}

/**
 * A durable store for `createRexsysClient({ store })`: `memoryStore()`,
 * `indexedDbStore(name)` (browsers) or `fileStore(path)` from `rexsys-rx/node`.
 * `open` is called once per client; a store opened by a live client refuses a second
 * one (`E_STORE_LOCKED`) or hands over once the first lets go (browsers).
 */
export interface RexsysStore {
  /** Where it lives, for messages: a path, a database name, 'memory'. */
  readonly name: string;
  readonly limits: Required<StoreLimits>;
  /** Opens (and loads) the store. A promise: the client sends restored and new confirmed messages once it resolves. */
  open(context: StoreContext): StoreConnection | Promise<StoreConnection>;
}

export const DEFAULT_STORE_LIMITS: Required<StoreLimits> = { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 };

export function resolveLimits(l: StoreLimits = {}): Required<StoreLimits> {
  const ok = (v: number | undefined, d: number) => (typeof v === 'number' && v >= 1 && Number.isFinite(v) ? Math.floor(v) : d);
  return { maxEntries: ok(l.maxEntries, DEFAULT_STORE_LIMITS.maxEntries), maxBytes: ok(l.maxBytes, DEFAULT_STORE_LIMITS.maxBytes) };
}

/**
 * What a client opens its store with: reports go to `errors$` a turn later (so that
 * `errors$` subscribed right after `createRexsysClient` sees them).
 */
export function storeContextOf(host: { report(error: RexsysError): void; now(): number; readonly scheduler: SchedulerLike }): StoreContext {
  return { report: (e) => host.scheduler.schedule(() => host.report(e), 0), now: () => host.now() };
}
