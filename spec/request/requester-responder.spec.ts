/**
 * Requester and responder in virtual time over a fake host (no network): which error
 * comes when (E_UNCONFIRMED at ttl or at timeout, E_TIMEOUT once confirmed), a reply
 * before the confirmation, correlation by id and sender, and the responder's
 * once-per-request rule with its cache.
 */
import * as t from 'io-ts';
import { NEVER, Observable, Subject, VirtualTimeScheduler, throwError, type Subscription } from 'rxjs';
import { RexsysSendError, type RexsysError } from '../../lib/errors';
import type { SendReceipt } from '../../lib/client/types';
import type { RexsysMessage } from '../../lib/protocol/codecs';
import { RequestReply } from '../../lib/request/request-reply';
import type { RequestReplyHost } from '../../lib/request/request-reply-host';
import { REPLY_COMMAND, REQUEST_COMMAND, replyPayload, requestPayload, type ReplyPayload, type RequestPayload } from '../../lib/request/wire';

interface Sent {
  receiver: string;
  command: string;
  data: unknown;
  ttl: number;
  receipt: Subject<SendReceipt>;
  unsubscribed: boolean;
}

function fakeHost(options: { replyCodec?: t.Mixed; unconfirmedAfterTtl?: boolean } = {}) {
  const scheduler = new VirtualTimeScheduler();
  const sent: Sent[] = [];
  const reported: RexsysError[] = [];
  let n = 0;
  const host: RequestReplyHost = {
    confirmedSend: (receiver, command, data, o) =>
      new Observable<SendReceipt>((subscriber) => {
        const s: Sent = { receiver, command, data, ttl: o.ttl, receipt: new Subject(), unsubscribed: false };
        sent.push(s);
        const subs: Subscription[] = [s.receipt.subscribe(subscriber)];
        if (options.unconfirmedAfterTtl) {
          subs.push(scheduler.schedule(() => subscriber.error(new RexsysSendError('E_UNCONFIRMED', 'engine: not confirmed', { receiver, command })), o.ttl));
        }
        return () => {
          s.unsubscribed = true;
          subs.forEach((x) => x.unsubscribe());
        };
      }),
    hold: () => () => undefined,
    held: (inner) => inner,
    requestCodec: () => undefined,
    replyCodec: () => options.replyCodec,
    uid: () => `id-${++n}`,
    now: () => scheduler.now(),
    scheduler,
    report: (e) => reported.push(e),
    closed: () => false,
    closing: NEVER,
    sendTimeout: 15_000,
    transport: 'auto',
  };
  return { host, scheduler, sent, reported, rr: new RequestReply(host) };
}

const outcome = () => ({ values: [] as unknown[], error: undefined as RexsysError | undefined, at: -1, completed: false });
const receipt = (receiver: string): SendReceipt => ({ via: 'socket', receiver, command: REQUEST_COMMAND, at: 0, delivered: true });
const replyMessage = (sender: string, payload: ReplyPayload): RexsysMessage => ({ command: REPLY_COMMAND, data: payload, sender, receiver: 'kiosk-01' });

function ask(f: ReturnType<typeof fakeHost>, options: { timeout: number; ttl?: number; codec?: t.Mixed }) {
  const o = outcome();
  f.rr.request({ receiver: 'display-01', command: 'showing', data: { q: 1 } }, options).subscribe({
    next: (v) => o.values.push(v),
    error: (e: RexsysError) => {
      o.error = e;
      o.at = f.scheduler.now();
    },
    complete: () => {
      o.completed = true;
      o.at = f.scheduler.now();
    },
  });
  return o;
}

describe('requester (virtual time)', () => {
  it('confirmed but no reply: E_TIMEOUT at timeout', () => {
    const f = fakeHost();
    const o = ask(f, { timeout: 3000 });
    expect((f.sent[0].data as RequestPayload).timeout).toBe(3000);
    f.sent[0].receipt.next(receipt('display-01'));
    f.sent[0].receipt.complete();
    f.scheduler.flush();
    expect(o.error).toMatchObject({ code: 'E_TIMEOUT', timeoutMs: 3000 });
    expect(o.at).toBe(3000);
    expect(f.rr.requester.pendingCount).toBe(0);
  });

  it('never confirmed: E_UNCONFIRMED at ttl when given, else at timeout (never E_TIMEOUT)', () => {
    const early = fakeHost({ unconfirmedAfterTtl: true });
    const a = ask(early, { timeout: 5000, ttl: 800 });
    expect(early.sent[0].ttl).toBe(800);
    early.scheduler.flush();
    expect(a.error).toMatchObject({ code: 'E_UNCONFIRMED' });
    expect(a.at).toBe(800);
    const late = fakeHost();
    const b = ask(late, { timeout: 2000 });
    expect(late.sent[0].ttl).toBe(2000);
    late.scheduler.flush();
    expect(b.error).toMatchObject({ code: 'E_UNCONFIRMED', message: expect.stringMatching(/not confirmed by "display-01" within 2000 ms/) });
    expect(b.at).toBe(2000);
    expect(late.sent[0].unsubscribed).toBe(true);
  });

  it('a reply before the confirmation settles the request (and gives up the send); correlation by id and sender', () => {
    const f = fakeHost({ replyCodec: t.type({ url: t.string }) });
    const o = ask(f, { timeout: 3000 });
    const id = (f.sent[0].data as RequestPayload).id;
    f.rr.take(replyMessage('third-01', replyPayload(id, { ok: true, data: { url: '/forged' } })));
    f.rr.take(replyMessage('display-01', replyPayload('other', { ok: true, data: { url: '/other' } })));
    expect(f.rr.counters.droppedReplies).toBe(2);
    expect(o.values).toEqual([]);
    f.rr.take(replyMessage('display-01', replyPayload(id, { ok: true, data: { url: '/menu' } })));
    expect(o.values).toEqual([{ url: '/menu' }]);
    expect(o.completed).toBe(true);
    expect(f.sent[0].unsubscribed).toBe(true);
    // The same reply again: already answered, dropped.
    f.rr.take(replyMessage('display-01', replyPayload(id, { ok: true, data: { url: '/menu' } })));
    expect(f.rr.counters.droppedReplies).toBe(3);
  });

  it('E_REMOTE carries the message; E_DECODE when the reply fails its codec', () => {
    const f = fakeHost({ replyCodec: t.type({ url: t.string }) });
    const a = ask(f, { timeout: 3000 });
    f.rr.take(replyMessage('display-01', replyPayload((f.sent[0].data as RequestPayload).id, { ok: false, message: 'no paper' })));
    expect(a.error).toMatchObject({ code: 'E_REMOTE', message: '"showing" failed at "display-01": no paper' });
    const b = ask(f, { timeout: 3000 });
    f.rr.take(replyMessage('display-01', replyPayload((f.sent[1].data as RequestPayload).id, { ok: true, data: 42 })));
    expect(b.error).toMatchObject({ code: 'E_DECODE' });
  });

  it('an engine failure other than E_UNCONFIRMED is passed on as is', () => {
    const f = fakeHost();
    f.host.confirmedSend = () => throwError(() => new RexsysSendError('E_OUTBOX_FULL', 'full', { receiver: 'display-01', command: REQUEST_COMMAND }));
    const o = ask(f, { timeout: 3000 });
    expect(o.error).toMatchObject({ code: 'E_OUTBOX_FULL' });
  });
});

describe('responder (virtual time)', () => {
  const request = (id: string, command = 'showing'): RexsysMessage => ({
    command: REQUEST_COMMAND,
    data: requestPayload({ id, command, timeout: 4000, data: { q: 1 } }),
    sender: 'kiosk-01',
    receiver: 'display-01',
  });

  it('takes a request only while a handler is subscribed; runs it once; a repeat while running is ignored, after answering is served from the cache', () => {
    const f = fakeHost();
    expect(f.rr.take(request('r1'))).toBe(false); // nobody answers: not taken (not confirmed)
    let runs = 0;
    const done = new Subject<string>();
    const answered: unknown[] = [];
    const sub = f.rr.reply('showing', () => (runs++, done)).subscribe((r) => answered.push(r));
    expect(f.rr.take(request('r1'))).toBe(true);
    f.scheduler.flush();
    expect(f.rr.take(request('r1'))).toBe(true);
    expect(f.rr.counters.duplicatesWhileRunning).toBe(1);
    done.next('/menu');
    expect(runs).toBe(1);
    expect(f.sent).toHaveLength(1);
    expect(f.sent[0]).toMatchObject({ receiver: 'kiosk-01', command: REPLY_COMMAND, data: replyPayload('r1', { ok: true, data: '/menu' }), ttl: 4000 });
    f.rr.take(request('r1'));
    expect(runs).toBe(1);
    expect(f.sent).toHaveLength(2);
    expect(f.sent[1].data).toEqual(f.sent[0].data);
    expect(answered).toEqual([
      { id: 'r1', sender: 'kiosk-01', command: 'showing', ok: true, cached: false },
      { id: 'r1', sender: 'kiosk-01', command: 'showing', ok: true, cached: true },
    ]);
    sub.unsubscribe();
  });

  it('a slow handler holds up no other request; unsubscribing answers the ones in flight with a failure', () => {
    const f = fakeHost();
    const sub = f.rr.reply('slow', () => NEVER).subscribe();
    f.rr.reply('fast', () => 'ok').subscribe();
    f.rr.take(request('a', 'slow'));
    f.rr.take(request('b', 'fast'));
    f.scheduler.flush();
    expect(f.sent.map((s) => (s.data as ReplyPayload).to)).toEqual(['b']);
    sub.unsubscribe();
    expect(f.sent[1].data).toMatchObject({ to: 'a', ok: false, error: { message: 'the responder stopped answering "slow" before it replied' } });
    expect(f.rr.responder.activeCount).toBe(2); // the two replies on their way (the fake never confirms)
  });
});
