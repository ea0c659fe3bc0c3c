import { Observable } from 'rxjs';
import { RexsysSendError, RexsysTimeoutError, type RexsysError } from '../errors.js';
import type { Channel } from '../protocol/codecs.js';
import type { ClientEvent } from './events.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { Session } from './session.js';
import type { SendReceipt } from './types.js';

/** What a socket send needs from its client. */
export interface SocketSender {
  readonly channel: Channel;
  readonly outbox: Outbox;
  /** The connection's shared session stream: subscribing holds the socket open. */
  readonly session$: Observable<Session | undefined>;
  readonly emit: (event: ClientEvent) => void;
}

/**
 * One socket send, cold: subscribing queues it in the client's outbox and holds the
 * connection (a subscription to `session$`); each logged-in session drains the outbox,
 * the end of a session fails what was in flight. Emits one receipt on the server's ack.
 * Unsubscribing before it was emitted cancels it.
 *
 * Errors: `E_OUTBOX_FULL` (never sent); `E_TIMEOUT` (waited `timeout` ms and was never
 * sent); `E_ENCODE` (socket.io could not encode it: never sent); `E_OUTCOME_UNKNOWN`
 * (emitted, but no ack within `timeout`, or the connection dropped or the client closed
 * first); `E_CLOSED` (closed before it was sent).
 */
export function sendOverSocket(s: SocketSender, receiver: string, command: string, data: unknown, timeout: number): Observable<SendReceipt> {
  return new Observable<SendReceipt>((subscriber) => {
    const unknownOutcome = (why: string) =>
      new RexsysSendError('E_OUTCOME_UNKNOWN', `${why} after "${command}" to "${receiver}" was handed to the server: it may or may not have been delivered.`, {
        receiver,
        command,
      });
    const entry: OutboxEntry = {
      payload: { channel: s.channel, receiver, command, data },
      emitted: () => s.emit({ type: 'sendEmitted', receiver, command }),
      sent: (acked) => {
        subscriber.next({ via: 'socket', receiver, command, at: Date.now(), acked });
        subscriber.complete();
      },
      lost: () => subscriber.error(unknownOutcome('The connection dropped or the client closed before the ack')),
      failed: (error: RexsysError) => subscriber.error(error),
    };
    if (!s.outbox.enqueue(entry)) {
      subscriber.error(
        new RexsysSendError('E_OUTBOX_FULL', `The outbox is full (${s.outbox.capacity} sends waiting); "${command}" to "${receiver}" was not sent.`, {
          receiver,
          command,
        }),
      );
      return;
    }
    s.emit({ type: 'sendQueued', receiver, command });
    const timer =
      timeout > 0
        ? setTimeout(() => {
            const neverSent = s.outbox.remove(entry);
            subscriber.error(
              neverSent
                ? new RexsysTimeoutError(`"${command}" to "${receiver}" waited ${timeout} ms for a logged-in socket and was never sent.`, {
                    timeoutMs: timeout,
                  })
                : unknownOutcome(`No ack within ${timeout} ms`),
            );
          }, timeout)
        : undefined;
    const held = s.session$.subscribe((session) => (session ? s.outbox.drain(session) : s.outbox.connectionLost()));
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      s.outbox.remove(entry);
      held.unsubscribe();
    };
  });
}
