import type { Socket } from 'socket.io-client';
import type { RexsysError } from '../errors.js';
import type { RequestMessage } from '../protocol/codecs.js';

/** One pending socket send. */
export interface OutboxEntry {
  /** The `request` payload; `sender` is the logged-in uid, filled in when it is emitted. */
  readonly payload: Omit<RequestMessage, 'sender'>;
  /** Called once the server acked it (or at once when acks are off). */
  readonly sent: (acked: boolean) => void;
  /** Called when it fails while in flight (connection lost before the ack). */
  readonly lost: (error: RexsysError) => void;
}

/**
 * The client's own FIFO of socket sends. A `request` is handed to socket.io only
 * while the client is logged in, so socket.io's send buffer (which replays emits made
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

  /** Emits every queued entry, in order, on a socket logged in as `sender`. */
  drain(socket: Socket, sender: string): void {
    for (const entry of this.queued) {
      if (!socket.connected) return;
      this.queued.delete(entry);
      this.emit(socket, { ...entry.payload, sender }, entry);
    }
  }

  private emit(socket: Socket, payload: RequestMessage, entry: OutboxEntry): void {
    if (!this.ack) {
      socket.emit('request', payload);
      entry.sent(false);
      return;
    }
    this.inflight.add(entry);
    socket.emit('request', payload, () => {
      if (this.inflight.delete(entry)) entry.sent(true);
    });
  }

  /** The connection is gone: every in-flight entry fails with `error`; queued ones wait. */
  connectionLost(error: RexsysError): void {
    const lost = [...this.inflight];
    this.inflight.clear();
    for (const entry of lost) entry.lost(error);
  }

  /** Fails everything (the client is closing). */
  failAll(error: RexsysError): void {
    const all = [...this.inflight, ...this.queued];
    this.inflight.clear();
    this.queued.clear();
    for (const entry of all) entry.lost(error);
  }
}
