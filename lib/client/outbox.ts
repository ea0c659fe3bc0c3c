import { RexsysEncodingError, type RexsysError } from '../errors.js';
import type { RequestMessage } from '../protocol/codecs.js';
import { ackTable, writable } from '../transport/socket.js';
import type { Session } from './session.js';

/** One pending socket send. */
export interface OutboxEntry {
  /** The `request` payload; `sender` is the logged-in uid, filled in when it is emitted. */
  readonly payload: Omit<RequestMessage, 'sender'>;
  /** False: emitted without asking the server for an ack (settled as sent at once), whatever the client's `socketAck`. */
  readonly ack?: boolean;
  /** Called when it was handed to socket.io (it may arrive from now on). */
  readonly emitted?: () => void;
  /** Called once the server acked it (or at once when acks are off). */
  readonly sent: (acked: boolean) => void;
  /** Called when it was in flight (emitted, no ack yet) as the connection dropped or the client closed: outcome unknown. */
  readonly lost: () => void;
  /** Called when it fails without having been sent: it could not be encoded, or the client closed. */
  readonly failed: (error: RexsysError) => void;
}

/**
 * The client's own FIFO of socket sends. A `request` is handed to socket.io only
 * on a logged-in {@link Session}, so socket.io's send buffer (which replays emits made
 * while disconnected, possibly before the re-login) never holds one.
 *
 * Entries are `queued` (not yet emitted: cancellable, never sent) or `in flight`
 * (emitted, waiting for the ack: their outcome is unknown if the connection drops).
 */
export class Outbox {
  // Arrays, not Sets: a long-lived Set that entries keep entering and leaving is rehashed
  // every few sends, and V8 links each old table to its successor, so every new table
  // survives the young-generation GC (measured: a quarter of a send's cost at 64 in flight).
  private queued: OutboxEntry[] = [];
  private inflight: OutboxEntry[] = [];

  constructor(
    readonly capacity: number,
    private readonly ack: boolean,
  ) {}

  get queuedCount(): number {
    return this.queued.length;
  }

  get inflightCount(): number {
    return this.inflight.length;
  }

  /** Queues an entry; false when the outbox is full. */
  enqueue(entry: OutboxEntry): boolean {
    if (this.queued.length >= this.capacity) return false;
    this.queued.push(entry);
    return true;
  }

  /** Forgets an entry (unsubscribed or timed out). True if it was still queued, i.e. never sent. */
  remove(entry: OutboxEntry): boolean {
    removeFrom(this.inflight, entry);
    return removeFrom(this.queued, entry);
  }

  /** Emits every queued entry, in order, on a logged-in session. One that cannot be encoded fails alone; the rest go on. */
  drain(session: Pick<Session, 'socket' | 'uid'>): void {
    const { socket, uid } = session;
    // (entries queued meanwhile, by code the emit runs, go too)
    while (this.queued.length > 0) {
      // (not writable: disconnected, or socket.io's ping overdue; the rest waits for the next session)
      if (!writable(socket)) return;
      const entry = this.queued.shift()!;
      const { channel, receiver, command, data } = entry.payload;
      this.emit(session, { channel, receiver, command, data, sender: uid }, entry);
    }
  }

  private emit({ socket }: Pick<Session, 'socket'>, payload: RequestMessage, entry: OutboxEntry): void {
    const ack = this.ack && entry.ack !== false;
    const acked = ack
      ? () => {
          if (removeFrom(this.inflight, entry)) entry.sent(true);
        }
      : undefined;
    try {
      if (acked) {
        this.inflight.push(entry);
        socket.emit('request', payload, acked);
      } else {
        socket.emit('request', payload);
      }
    } catch (e) {
      // socket.io encodes synchronously: nothing went out.
      removeFrom(this.inflight, entry);
      if (acked) forgetAck(socket, acked);
      const cause = jsonFailure(payload.data) ?? e;
      entry.failed(
        new RexsysEncodingError(
          `"${payload.command}" to "${payload.receiver}" could not be encoded: ${cause instanceof Error ? cause.message : String(cause)}. Nothing was sent.`,
          { code: 'E_ENCODE', cause },
        ),
      );
      return;
    }
    entry.emitted?.();
    if (!ack) entry.sent(false);
  }

  /** The session is gone: every in-flight entry is lost (outcome unknown); queued ones wait. */
  connectionLost(): void {
    const lost = this.inflight;
    this.inflight = [];
    for (const entry of lost) entry.lost();
  }

  /** The client is closing: in-flight entries are lost (outcome unknown), queued ones fail with `error`. */
  failAll(error: RexsysError): void {
    const { inflight, queued } = this;
    this.inflight = [];
    this.queued = [];
    for (const entry of inflight) entry.lost();
    for (const entry of queued) entry.failed(error);
  }
}

/**
 * socket.io registers an emit's ack before it encodes the packet, and keeps it when the
 * encoding throws, until the connection ends: one per failed send, each holding its entry.
 * Dropped here.
 */
function forgetAck(socket: Session['socket'], ack: () => void): void {
  const acks = ackTable(socket);
  if (acks) for (const id of Object.keys(acks)) if (acks[id] === ack) delete acks[id];
}

/**
 * What JSON says of `data` when it cannot serialise it either, else undefined: a cycle
 * overflows the stack in socket.io's binary scan before anything names it, JSON says
 * "circular structure". Only on the failure path: a send is not serialised a second time to
 * be checked (#18).
 */
function jsonFailure(data: unknown): unknown {
  try {
    JSON.stringify(data);
    return undefined;
  } catch (json) {
    return json;
  }
}

/** Removes `entry` from `list` (in order: the oldest is usually first); false if it was not there. */
function removeFrom(list: OutboxEntry[], entry: OutboxEntry): boolean {
  const i = list.indexOf(entry);
  if (i === -1) return false;
  if (i === 0) list.shift();
  else list.splice(i, 1);
  return true;
}
