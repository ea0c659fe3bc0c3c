import { Observable } from 'rxjs';
import type { Socket } from 'socket.io-client';
import { RexsysClosedError, RexsysSendError, RexsysTimeoutError } from '../errors.js';
import type { Channel } from '../protocol/codecs.js';
import type { Lease } from './lease.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { SendReceipt } from './types.js';

/** What a socket send needs from its client. */
export interface SocketSender {
  readonly channel: Channel;
  readonly outbox: Outbox;
  /** The connection's lease: a pending socket send holds the socket open. */
  readonly lease: Lease;
  /** The logged-in socket and uid, if the client is ready now. */
  readonly ready: () => { readonly socket: Socket; readonly uid: string } | undefined;
}

/**
 * One socket send, cold: subscribing queues it in the client's outbox (holding the
 * connection open) and it is emitted as `request` once the client is logged in.
 * Emits one receipt on the server's ack. Unsubscribing before it was emitted cancels it.
 *
 * Errors: `E_OUTBOX_FULL` (never sent); `E_TIMEOUT` (waited `timeout` ms and was never
 * sent); `E_OUTCOME_UNKNOWN` (emitted, but no ack within `timeout` or the connection
 * dropped first); `E_CLOSED`.
 */
export function sendOverSocket(s: SocketSender, receiver: string, command: string, data: unknown, timeout: number): Observable<SendReceipt> {
  return new Observable<SendReceipt>((subscriber) => {
    const release = s.lease.acquire();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      s.outbox.remove(entry);
      release();
    };
    const entry: OutboxEntry = {
      payload: { channel: s.channel, receiver, command, data },
      sent: (acked) => {
        finish();
        subscriber.next({ via: 'socket', receiver, command, at: Date.now(), acked });
        subscriber.complete();
      },
      lost: (error) => {
        finish();
        subscriber.error(
          error instanceof RexsysClosedError
            ? error
            : new RexsysSendError(
                'E_OUTCOME_UNKNOWN',
                `The connection dropped after "${command}" to "${receiver}" was handed to the server and before its ack: it may or may not have been delivered.`,
                { receiver, command },
              ),
        );
      },
    };
    if (!s.outbox.enqueue(entry)) {
      release();
      subscriber.error(
        new RexsysSendError(
          'E_OUTBOX_FULL',
          `The outbox is full (${s.outbox.capacity} sends waiting); "${command}" to "${receiver}" was not sent.`,
          { receiver, command },
        ),
      );
      return;
    }
    if (timeout > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        const neverSent = s.outbox.remove(entry);
        finish();
        subscriber.error(
          neverSent
            ? new RexsysTimeoutError(`"${command}" to "${receiver}" waited ${timeout} ms for a logged-in socket and was never sent.`, { timeoutMs: timeout })
            : new RexsysSendError(
                'E_OUTCOME_UNKNOWN',
                `No ack for "${command}" to "${receiver}" within ${timeout} ms: it may or may not have been delivered.`,
                { receiver, command },
              ),
        );
      }, timeout);
    }
    const ready = s.ready();
    if (ready) s.outbox.drain(ready.socket, ready.uid);
    return finish;
  });
}
