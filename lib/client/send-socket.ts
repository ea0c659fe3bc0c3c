import { Observable, type Subscriber, type Unsubscribable } from 'rxjs';
import { RexsysSendError, RexsysTimeoutError, type RexsysError } from '../errors.js';
import type { Channel, RequestMessage } from '../protocol/codecs.js';
import type { ClientEvent } from './events.js';
import type { SessionHold } from './hold.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { SendReceipt } from './types.js';

/** What a socket send needs from its client. */
export interface SocketSender {
  readonly channel: Channel;
  readonly outbox: Outbox;
  readonly emit: (event: ClientEvent) => void;
  /** The client's hold on the connection (on its session stream, driving `outbox`), which each pending send counts in. */
  readonly hold: SessionHold;
}

/**
 * One socket send, cold: subscribing queues it in the client's outbox and holds the
 * connection (counted in the client's {@link SessionHold}); each logged-in session drains the outbox, the end of a session fails what was
 * in flight. Emits one receipt on the server's ack. Unsubscribing before it was emitted
 * cancels it. Emits the send's events (`sendQueued`, `sendEmitted`, then `sendAcked` or
 * `sendFailed`) through `s.emit`.
 *
 * Errors: `E_OUTBOX_FULL` (never sent); `E_TIMEOUT` (waited `timeout` ms and was never
 * sent); `E_ENCODE` (socket.io could not encode it: never sent); `E_OUTCOME_UNKNOWN`
 * (emitted, but no ack within `timeout`, or the connection dropped or the client closed
 * first); `E_CLOSED` (closed before it was sent).
 */
export function sendOverSocket(s: SocketSender, receiver: string, command: string, data: unknown, timeout: number, ack = true): Observable<SendReceipt> {
  return new Observable<SendReceipt>((subscriber) => startSocketSend(s, subscriber, receiver, command, data, timeout, undefined, ack));
}

/**
 * {@link sendOverSocket} for a subscriber at hand (the client's `send` subscribes its
 * own, without an Observable in between). `report` sees each failure just before the
 * subscriber does. `ack: false` asks the server for no ack (whatever the client's
 * `socketAck`): the receipt (`acked: false`) comes once it was emitted. Returns the teardown.
 */
export function startSocketSend(
  s: SocketSender,
  subscriber: Subscriber<SendReceipt>,
  receiver: string,
  command: string,
  data: unknown,
  timeout: number,
  report?: (error: RexsysError) => void,
  ack = true,
): Unsubscribable | undefined {
  const send = new SocketSend(s, subscriber, receiver, command, data, report, ack);
  if (!s.outbox.enqueue(send)) {
    send.fail(
      new RexsysSendError('E_OUTBOX_FULL', `The outbox is full (${s.outbox.capacity} sends waiting); "${command}" to "${receiver}" was not sent.`, {
        receiver,
        command,
      }),
    );
    return undefined;
  }
  s.emit({ type: 'sendQueued', receiver, command });
  // Drains at once when a session is up (the send may have settled by the time this returns).
  send.hold = s.hold;
  send.hold.acquire();
  // Settled already (an unacked send on a logged-in socket, or one that could not be encoded): no timer.
  if (timeout > 0 && !subscriber.closed) send.timer = setTimeout(timedOut, timeout, send, timeout);
  return send;
}

/**
 * One pending socket send: its outbox entry, its timer and its teardown in one object
 * (the send path allocates no closure per send beyond socket.io's ack callback).
 */
class SocketSend implements OutboxEntry, Unsubscribable {
  readonly payload: Omit<RequestMessage, 'sender'>;
  timer: ReturnType<typeof setTimeout> | undefined;
  hold: SessionHold | undefined;

  constructor(
    readonly s: SocketSender,
    private readonly subscriber: Subscriber<SendReceipt>,
    readonly receiver: string,
    readonly command: string,
    data: unknown,
    private readonly report: ((error: RexsysError) => void) | undefined,
    readonly ack: boolean,
  ) {
    this.payload = { channel: s.channel, receiver, command, data };
  }

  emitted(): void {
    this.s.emit({ type: 'sendEmitted', receiver: this.receiver, command: this.command });
  }

  sent(acked: boolean): void {
    const { receiver, command } = this;
    this.s.emit({ type: 'sendAcked', via: 'socket', receiver, command, acked });
    this.subscriber.next({ via: 'socket', receiver, command, at: Date.now(), acked });
    this.subscriber.complete();
  }

  lost(): void {
    this.fail(this.unknownOutcome('The connection dropped or the client closed before the ack'));
  }

  failed(error: RexsysError): void {
    this.fail(error);
  }

  fail(error: RexsysError): void {
    this.s.emit({ type: 'sendFailed', via: 'socket', receiver: this.receiver, command: this.command, error });
    this.report?.(error);
    this.subscriber.error(error);
  }

  unknownOutcome(why: string): RexsysSendError {
    const { receiver, command } = this;
    return new RexsysSendError(
      'E_OUTCOME_UNKNOWN',
      `${why} after "${command}" to "${receiver}" was handed to the server: it may or may not have been delivered.`,
      {
        receiver,
        command,
      },
    );
  }

  /** The teardown: settled, cancelled, or the subscriber left. */
  unsubscribe(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.s.outbox.remove(this);
    const hold = this.hold;
    this.hold = undefined;
    hold?.release();
  }
}

function timedOut(send: SocketSend, timeout: number): void {
  send.timer = undefined;
  const neverSent = send.s.outbox.remove(send);
  send.fail(
    neverSent
      ? new RexsysTimeoutError(`"${send.command}" to "${send.receiver}" waited ${timeout} ms for a logged-in socket and was never sent.`, {
          timeoutMs: timeout,
        })
      : send.unknownOutcome(`No ack within ${timeout} ms`),
  );
}
