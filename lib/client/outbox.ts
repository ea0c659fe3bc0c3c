import { RexsysEncodingError, type RexsysError } from '../errors.js';
import type { RequestMessage } from '../protocol/codecs.js';
import type { Session } from './session.js';

/** One pending socket send. */
export interface OutboxEntry {
  /** The `request` payload; `sender` is the logged-in uid, filled in when it is emitted. */
  readonly payload: Omit<RequestMessage, 'sender'>;
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
  private readonly queued = new Set<OutboxEntry>();
  private readonly inflight = new Set<OutboxEntry>();

  constructor(
    readonly capacity: number,
    private readonly ack: boolean,
  ) {}

  get queuedCount(): number {
    return this.queued.size;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Queues an entry; false when the outbox is full. */
  enqueue(entry: OutboxEntry): boolean {
    if (this.queued.size >= this.capacity) return false;
    this.queued.add(entry);
    return true;
  }

  /** Forgets an entry (unsubscribed or timed out). True if it was still queued, i.e. never sent. */
  remove(entry: OutboxEntry): boolean {
    this.inflight.delete(entry);
    return this.queued.delete(entry);
  }

  /** Emits every queued entry, in order, on a logged-in session. One that cannot be encoded fails alone; the rest go on. */
  drain(session: Pick<Session, 'socket' | 'uid'>): void {
    const { socket, uid } = session;
    for (const entry of this.queued) {
      if (!socket.connected) return;
      this.queued.delete(entry);
      this.emit(session, { ...entry.payload, sender: uid }, entry);
    }
  }

  private emit({ socket }: Pick<Session, 'socket'>, payload: RequestMessage, entry: OutboxEntry): void {
    try {
      if (this.ack) {
        this.inflight.add(entry);
        socket.emit('request', payload, () => {
          if (this.inflight.delete(entry)) entry.sent(true);
        });
      } else {
        socket.emit('request', payload);
      }
    } catch (e) {
      // socket.io encodes synchronously: nothing went out.
      this.inflight.delete(entry);
      entry.failed(
        new RexsysEncodingError(
          `"${payload.command}" to "${payload.receiver}" could not be encoded for the socket: ${e instanceof Error ? e.message : String(e)}.`,
          {
            code: 'E_ENCODE',
            cause: e,
          },
        ),
      );
      return;
    }
    entry.emitted?.();
    if (!this.ack) entry.sent(false);
  }

  /** The session is gone: every in-flight entry is lost (outcome unknown); queued ones wait. */
  connectionLost(): void {
    const lost = [...this.inflight];
    this.inflight.clear();
    for (const entry of lost) entry.lost();
  }

  /** The client is closing: in-flight entries are lost (outcome unknown), queued ones fail with `error`. */
  failAll(error: RexsysError): void {
    const inflight = [...this.inflight];
    const queued = [...this.queued];
    this.inflight.clear();
    this.queued.clear();
    for (const entry of inflight) entry.lost();
    for (const entry of queued) entry.failed(error);
  }
}
