/**
 * The requesting side: `client.request(…)`. A request is a confirmed send of
 * {@link REQUEST_COMMAND} carrying its own correlation id; the reply is matched by that
 * id (and by who sent it), never by command name.
 */
import * as E from '../protocol/either.js';
import { Observable, Subscription } from 'rxjs';
import { RexsysClosedError, asRexsysError, type RexsysError } from '../errors.js';
import type { RexsysMessage } from '../protocol/codecs.js';
import { decodeWith } from '../protocol/report.js';
import { remoteError, replyDecodeError, replyTimeoutError, requestArgumentError, requestUnconfirmedError } from './request-errors.js';
import type { RequestReplyHost } from './request-reply-host.js';
import type { RequestOptions, RequestReplyCounters } from './types.js';
import { REQUEST_COMMAND, RPC_LIMITS, requestPayload, type ReplyPayload } from './wire.js';

interface PendingRequest {
  readonly receiver: string;
  settle(reply: ReplyPayload): void;
}

export class Requester {
  private readonly pending = new Map<string, PendingRequest>();

  constructor(
    private readonly host: RequestReplyHost,
    private readonly counters: RequestReplyCounters,
  ) {}

  /** Requests waiting for their reply (for leak checks). */
  get pendingCount(): number {
    return this.pending.size;
  }

  request(message: { readonly receiver: string; readonly command: string; readonly data: unknown }, options: RequestOptions = {}): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      if (this.host.closed()) {
        subscriber.error(new RexsysClosedError());
        return;
      }
      const { receiver, command } = message;
      const timeout = options.timeout ?? this.host.sendTimeout;
      if (typeof receiver !== 'string' || receiver === '' || typeof command !== 'string' || command === '') {
        subscriber.error(requestArgumentError('request needs a receiver and a command (non-empty strings).'));
        return;
      }
      if (!(timeout > 0) || !Number.isFinite(timeout)) {
        subscriber.error(requestArgumentError(`request needs a positive, finite timeout (got ${String(timeout)}).`));
        return;
      }
      const ttl = Math.min(options.ttl !== undefined && options.ttl > 0 ? options.ttl : timeout, timeout);
      let data: unknown;
      try {
        const codec = this.host.requestCodec(command);
        data = codec ? codec.encode(message.data) : message.data;
      } catch (e) {
        subscriber.error(asRexsysError(e));
        return;
      }
      const replyCodec = options.codec ?? this.host.replyCodec(command);
      const id = this.host.uid();
      const started = this.host.now();
      const subs = new Subscription();
      let confirmed = false;
      const fail = (error: RexsysError) => {
        subs.unsubscribe();
        subscriber.error(error);
      };
      // The reply may come before the confirmation (both travel back): the connection is
      // held for the whole request, not only while the engine waits for its confirmation.
      subs.add(this.host.hold());
      subs.add(this.host.closing.subscribe(() => fail(new RexsysClosedError('The client was closed before the reply came.'))));
      this.pending.set(id, {
        receiver,
        settle: (reply) => {
          this.counters.replies++;
          if (!reply.ok) return fail(remoteError(receiver, command, reply.error.message));
          let value = reply.data;
          if (replyCodec) {
            const decoded = decodeWith(replyCodec, value, `the reply to "${command}"`);
            if (E.isLeft(decoded)) return fail(replyDecodeError(receiver, command, decoded.left));
            value = decoded.right;
          }
          subs.unsubscribe();
          subscriber.next(value);
          subscriber.complete();
        },
      });
      subs.add(() => this.pending.delete(id));
      this.counters.requests++;
      subs.add(
        this.host.scheduler.schedule(() => {
          fail(confirmed ? replyTimeoutError(receiver, command, timeout) : requestUnconfirmedError(receiver, command, this.host.now() - started));
        }, timeout),
      );
      subs.add(
        this.host
          .confirmedSend(receiver, REQUEST_COMMAND, requestPayload({ id, command, timeout: Math.min(timeout, RPC_LIMITS.maxTimeout), data }), {
            // The reply comes back over the socket: the request waits for it too (REST only when asked).
            via: options.via ?? 'socket',
            ttl,
            timeout: Math.min(this.host.sendTimeout, timeout),
          })
          .subscribe({
            next: () => {
              confirmed = true;
            },
            error: (e: unknown) => {
              const error = asRexsysError(e);
              fail(error.code === 'E_UNCONFIRMED' ? requestUnconfirmedError(receiver, command, this.host.now() - started) : error);
            },
          }),
      );
      return subs;
    });
  }

  /** A reply arrived (confirmed or plain): settles its request, or is dropped and counted. */
  takeReply(message: RexsysMessage, reply: ReplyPayload): void {
    const pending = this.pending.get(reply.to);
    if (!pending || pending.receiver !== message.sender) {
      // Unknown, cancelled, already answered, timed out, or sent by another client than the one asked.
      this.counters.droppedReplies++;
      return;
    }
    this.pending.delete(reply.to);
    pending.settle(reply);
  }
}
