/**
 * The answering side: `client.reply(command, handler)`. A request is taken (and so
 * confirmed) only while a handler for its command is subscribed; the handler runs once
 * per request id, on its own subscription (a slow one holds up nothing else), and its
 * outcome goes back as a confirmed reply. A request id seen again gets the cached reply.
 */
import * as E from '../protocol/either.js';
import { Observable, Subscription, defer, from, isObservable, of, take, type Subscriber } from 'rxjs';
import { asRexsysError } from '../errors.js';
import type { RexsysMessage } from '../protocol/codecs.js';
import { decodeMessageData } from '../operators/of-command.js';
import { ReplyCache } from './reply-cache.js';
import { failureMessage, requestArgumentError, rpcPayloadError } from './request-errors.js';
import type { RequestReplyHost } from './request-reply-host.js';
import type { RepliedRequest, ReplyResult, RequestReplyCounters } from './types.js';
import { REPLY_COMMAND, replyPayload, type ReplyPayload, type RequestPayload } from './wire.js';

/** Recent requests remembered per client (running or answered), least recently used out first. */
export const REPLY_CACHE_SIZE = 512;
/** The least time a reply is retransmitted for, even when the request's own timeout has (nearly) passed. */
const MIN_REPLY_TTL = 1_000;

export type ReplyHandler = (message: RexsysMessage) => ReplyResult<unknown>;

interface Registration {
  readonly handler: ReplyHandler;
  readonly subscriber: Subscriber<RepliedRequest>;
  /** Requests this registration is answering: cancelled when it unsubscribes. */
  readonly inFlight: Set<() => void>;
}

const toObservable = (r: ReplyResult<unknown>): Observable<unknown> => {
  if (isObservable(r)) return r;
  if (typeof r === 'object' && r !== null && typeof (r as PromiseLike<unknown>).then === 'function') return from(r as PromiseLike<unknown>);
  return of(r);
};

export class Responder {
  private readonly handlers = new Map<string, Registration[]>();
  private readonly cache = new ReplyCache(REPLY_CACHE_SIZE);
  private readonly sending = new Set<Subscription>();

  constructor(
    private readonly host: RequestReplyHost,
    private readonly counters: RequestReplyCounters,
  ) {}

  /** Replies on their way and handlers running (for leak checks: 0 when idle). */
  get activeCount(): number {
    let n = this.sending.size;
    for (const regs of this.handlers.values()) for (const r of regs) n += r.inFlight.size;
    return n;
  }

  /** Requests remembered (bounded by {@link REPLY_CACHE_SIZE}). */
  get cachedCount(): number {
    return this.cache.size;
  }

  reply(command: string, handler: ReplyHandler): Observable<RepliedRequest> {
    return this.host.held(
      new Observable<RepliedRequest>((subscriber) => {
        if (typeof command !== 'string' || command === '' || typeof handler !== 'function') {
          subscriber.error(requestArgumentError('reply needs a command (a non-empty string) and a handler function.'));
          return;
        }
        // The first subscribed handler of a command answers; later ones stand by and take over when it leaves.
        const reg: Registration = { handler, subscriber, inFlight: new Set() };
        const regs = this.handlers.get(command) ?? [];
        regs.push(reg);
        this.handlers.set(command, regs);
        return () => {
          const current = this.handlers.get(command);
          if (current) {
            const i = current.indexOf(reg);
            if (i !== -1) current.splice(i, 1);
            if (current.length === 0) this.handlers.delete(command);
          }
          for (const cancel of [...reg.inFlight]) cancel();
        };
      }),
    );
  }

  /**
   * A request arrived. False when no handler for its command is subscribed (not taken:
   * confirmed delivery keeps it unconfirmed, as for any command nobody listens to).
   */
  takeRequest(message: RexsysMessage, request: RequestPayload): boolean {
    const sender = message.sender;
    if (sender === undefined) {
      this.counters.invalid++;
      this.host.report(rpcPayloadError('no sender (the server did not stamp one), so it cannot be answered', message));
      return true;
    }
    const seen = this.cache.get(sender, request.id);
    if (seen?.state === 'running') {
      this.counters.duplicatesWhileRunning++;
      return true;
    }
    if (seen?.state === 'answered') {
      this.counters.answeredFromCache++;
      this.send(sender, seen.reply, request.timeout);
      this.handlers.get(request.command)?.[0]?.subscriber.next({ id: request.id, sender, command: request.command, ok: seen.reply.ok, cached: true });
      return true;
    }
    const reg = this.handlers.get(request.command)?.[0];
    if (!reg) return false;
    this.cache.set(sender, request.id, { state: 'running' });
    this.counters.handled++;
    const deadline = this.host.now() + request.timeout;
    let done = false;
    const work = new Subscription();
    const answer = (outcome: { ok: true; data: unknown } | { ok: false; message: string }) => {
      if (done) return;
      done = true;
      reg.inFlight.delete(cancel);
      work.unsubscribe();
      let reply: ReplyPayload;
      if (outcome.ok) {
        try {
          const codec = this.host.replyCodec(request.command);
          reply = replyPayload(request.id, { ok: true, data: codec ? codec.encode(outcome.data) : outcome.data });
        } catch (e) {
          reply = replyPayload(request.id, { ok: false, message: `the reply could not be encoded: ${failureMessage(e)}` });
        }
      } else reply = replyPayload(request.id, outcome);
      this.cache.set(sender, request.id, { state: 'answered', reply });
      this.send(sender, reply, Math.max(MIN_REPLY_TTL, deadline - this.host.now()));
      if (!reg.subscriber.closed) reg.subscriber.next({ id: request.id, sender, command: request.command, ok: reply.ok, cached: false });
    };
    const cancel = () => answer({ ok: false, message: `the responder stopped answering "${request.command}" before it replied` });
    reg.inFlight.add(cancel);

    const incoming: RexsysMessage = {
      command: request.command,
      data: request.data,
      sender,
      ...(message.receiver !== undefined ? { receiver: message.receiver } : {}),
      ...(message.channel !== undefined ? { channel: message.channel } : {}),
      id: request.id,
    };
    const codec = this.host.requestCodec(request.command);
    let decoded: RexsysMessage = incoming;
    if (codec) {
      const result = decodeMessageData(incoming, codec);
      if (E.isLeft(result)) {
        this.host.report(result.left);
        answer({ ok: false, message: `the request's data does not match the codec of "${request.command}"` });
        return true;
      }
      decoded = result.right;
    }
    // The handler starts on its own turn: not inside the delivery engine's hand-over, and
    // each request on its own subscription, so a slow handler holds up nothing else.
    work.add(
      this.host.scheduler.schedule(() => {
        work.add(
          defer(() => toObservable(reg.handler(decoded)))
            .pipe(take(1))
            .subscribe({
              next: (value) => answer({ ok: true, data: value }),
              error: (e: unknown) => answer({ ok: false, message: failureMessage(e) }),
              complete: () => answer({ ok: false, message: `the handler of "${request.command}" completed without a value` }),
            }),
        );
      }),
    );
    return true;
  }

  private send(receiver: string, reply: ReplyPayload, ttl: number): void {
    if (this.host.closed()) return;
    const sub = new Subscription();
    this.sending.add(sub);
    sub.add(
      this.host.confirmedSend(receiver, REPLY_COMMAND, reply, { via: this.host.transport, ttl, timeout: this.host.sendTimeout }).subscribe({
        error: (e: unknown) => {
          this.sending.delete(sub);
          this.host.report(asRexsysError(e));
        },
        complete: () => this.sending.delete(sub),
      }),
    );
    if (sub.closed) this.sending.delete(sub);
  }
}
