/**
 * Request/reply end to end, against both peers (the emulator and python-socketio):
 * value / Promise / Observable handlers, failing handlers (E_REMOTE, message only), an
 * absent receiver (E_UNCONFIRMED, early with `ttl`), a slow handler vs `timeout`
 * (E_TIMEOUT; its late reply dropped and counted) that stalls no other command,
 * cancellation, many requests in flight from two requesters, repeated requests answered
 * from the cache, and the requester's link cut again and again (every request
 * answered, each handler run once).
 */
import * as t from 'io-ts';
import { firstValueFrom, from, lastValueFrom, map, of, throwError, timer, type Subscription } from 'rxjs';
import { RexsysDecodeError, RexsysSendError, RexsysTimeoutError, type RexsysClient, type RexsysMessage } from '../../lib/index';
import type { DeliveryEngine } from '../../lib/delivery/delivery-engine';
import { deliveryEngine, requestReply } from '../../lib/client/reliable-on-demand';
import type { RequestReply } from '../../lib/request/request-reply';
import { REPLY_COMMAND, REQUEST_COMMAND } from '../../lib/request/wire';
import { clientFactory, record, untilStatus } from '../support/client-helpers';
import { SEED, inner, prng, report } from '../support/fault-kit';
import { PEERS, type TestServer } from '../support/servers';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { delay, waitFor } from '../support/wait';

const FAST = { retransmitAfter: 250, maxProbeInterval: 1000 };
const engine = (c: RexsysClient): DeliveryEngine => (c as unknown as { [deliveryEngine]: DeliveryEngine })[deliveryEngine];
const rr = (c: RexsysClient): RequestReply => (c as unknown as { [requestReply]: RequestReply })[requestReply];
const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value, error: undefined as unknown }),
    (error: unknown) => ({ value: undefined as T | undefined, error }),
  );

describe.each(PEERS)('request/reply against the %s', (name, start) => {
  let server: TestServer;
  const { make, closeAll } = clientFactory(() => server.url, { confirmation: FAST });
  const subs: Subscription[] = [];
  const proxies: TcpProxy[] = [];

  beforeAll(async () => {
    server = await start();
  });
  afterEach(async () => {
    subs.splice(0).forEach((s) => s.unsubscribe());
    closeAll();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await waitFor(async () => (await server.sessions()).length === 0, { message: 'server still has sockets after close()' });
  });
  afterAll(() => server.close());

  /** A display answering `command` with `handler`; resolves once it is ready. */
  async function responder(command: string, handler: (m: RexsysMessage) => unknown, options = {}) {
    const display = make('DISPLAY-KEY', options);
    const answered = record(display.reply(command, handler));
    subs.push(answered.sub);
    await untilStatus(display, 'ready');
    return { display, answered };
  }

  it('a value, a Promise and an Observable handler: the reply data, once; codecs decode the request and the reply', async () => {
    const Shown = t.type({ url: t.string });
    const seen: RexsysMessage[] = [];
    const display = make('DISPLAY-KEY', { commands: { ask: t.type({ q: t.string }) } });
    subs.push(
      display
        .reply('ask', (m) => {
          seen.push(m);
          return { url: `/value/${(m.data as { q: string }).q}` };
        })
        .subscribe(),
      display.reply('later', () => delay(30).then(() => ({ url: '/promise' }))).subscribe(),
      display.reply('stream', () => timer(20).pipe(map(() => ({ url: '/observable' })))).subscribe(),
      display.reply('void', () => undefined).subscribe(),
    );
    await untilStatus(display, 'ready');
    const kiosk = make('KIOSK-KEY', { replies: { ask: Shown } });
    const [a, b, c] = await Promise.all([
      firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'ask', data: { q: 'now' } }, { timeout: 5000 })),
      firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'later', data: null }, { timeout: 5000, codec: Shown })),
      lastValueFrom(kiosk.request({ receiver: 'display-01', command: 'stream', data: 1 }, { timeout: 5000 })),
    ]);
    expect([a, b, c]).toEqual([{ url: '/value/now' }, { url: '/promise' }, { url: '/observable' }]);
    // A handler that returns nothing (an acknowledgement): the request emits undefined and completes.
    const ack = record(kiosk.request({ receiver: 'display-01', command: 'void', data: null }, { timeout: 5000 }));
    await waitFor(() => ack.completed);
    expect(ack.values).toEqual([undefined]);
    expect(seen).toEqual([expect.objectContaining({ command: 'ask', data: { q: 'now' }, sender: 'kiosk-01', id: expect.any(String) })]);
    expect(rr(display).counters.handled).toBe(4);
    expect(rr(kiosk).counters).toMatchObject({ requests: 4, replies: 4, droppedReplies: 0 });
    expect(rr(kiosk).requester.pendingCount).toBe(0);
    // A reply that fails its codec: E_DECODE on that request.
    const bad = await settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'ask', data: { q: 'x' } }, { timeout: 5000, codec: t.number })));
    expect(bad.error).toBeInstanceOf(RexsysDecodeError);
    expect(bad.error).toMatchObject({ code: 'E_DECODE' });
  });

  it('a throwing, rejecting or erroring handler: E_REMOTE with the message only (no stack, no cause)', async () => {
    const display = make('DISPLAY-KEY');
    const leaky = () => {
      const e = new Error('no paper');
      e.stack = 'Error: no paper\n    at secretPath (/srv/kiosk/token=abc123.js:1:1)';
      (e as Error & { cause?: unknown }).cause = { token: 'abc123' };
      return e;
    };
    subs.push(
      display
        .reply('throws', () => {
          throw leaky();
        })
        .subscribe(),
      display.reply('rejects', () => Promise.reject(leaky())).subscribe(),
      display.reply('errors', () => throwError(() => leaky())).subscribe(),
      display.reply('empty', () => from([])).subscribe(),
    );
    await untilStatus(display, 'ready');
    const kiosk = make('KIOSK-KEY');
    for (const command of ['throws', 'rejects', 'errors']) {
      const r = await settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command, data: {} }, { timeout: 5000 })));
      expect(r.error).toBeInstanceOf(RexsysSendError);
      expect(r.error).toMatchObject({ code: 'E_REMOTE', receiver: 'display-01', command });
      expect((r.error as Error).message).toBe(`"${command}" failed at "display-01": no paper`);
      expect(JSON.stringify(r.error)).not.toMatch(/abc123|secretPath/);
      expect((r.error as Error).cause).toBeUndefined();
    }
    const empty = await settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'empty', data: {} }, { timeout: 5000 })));
    expect(empty.error).toMatchObject({ code: 'E_REMOTE', message: expect.stringMatching(/completed without a value/) });
    // The server only ever forwarded the message, never the stack.
    const wire = JSON.stringify(await server.delivered());
    expect(wire).not.toMatch(/abc123|secretPath/);
  });

  it('an absent receiver, or one that answers no requests for the command: E_UNCONFIRMED at ttl, before timeout', async () => {
    const kiosk = make('KIOSK-KEY');
    await untilStatus(kiosk, 'ready');
    let t0 = Date.now();
    const absent = await settle(firstValueFrom(kiosk.request({ receiver: 'nobody-01', command: 'ask', data: {} }, { timeout: 5000, ttl: 400 })));
    expect(absent.error).toMatchObject({ code: 'E_UNCONFIRMED', receiver: 'nobody-01', command: 'ask' });
    expect(Date.now() - t0).toBeLessThan(1500);
    // Online, but nothing answers "ask": not confirmed either (a request is taken only by a handler).
    const display = make('DISPLAY-KEY');
    subs.push(display.reply('other', () => 1).subscribe());
    await untilStatus(display, 'ready');
    t0 = Date.now();
    const unheard = await settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'ask', data: {} }, { timeout: 500 })));
    expect(unheard.error).toMatchObject({ code: 'E_UNCONFIRMED' });
    expect((unheard.error as Error).message).toMatch(/was not confirmed by "display-01" within/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
  });

  it('a slow handler vs timeout: E_TIMEOUT (it was confirmed), its late reply dropped and counted; other commands are not stalled', async () => {
    const { display, answered } = await responder('slow', () => delay(1000).then(() => 'late'));
    subs.push(display.reply('fast', (m) => m.data).subscribe());
    const kiosk = make('KIOSK-KEY');
    subs.push(kiosk.state$.subscribe()); // stays online: the late reply reaches it
    const t0 = Date.now();
    const slow = settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'slow', data: {} }, { timeout: 500 })));
    await delay(50);
    const fast = await firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'fast', data: 42 }, { timeout: 3000 }));
    expect(fast).toBe(42);
    expect(Date.now() - t0).toBeLessThan(900); // not behind the slow handler (1000 ms)
    const r = await slow;
    expect(r.error).toBeInstanceOf(RexsysTimeoutError);
    expect(r.error).toMatchObject({ code: 'E_TIMEOUT', timeoutMs: 500 });
    expect((r.error as Error).message).toMatch(/got the request "slow" but did not reply within 500 ms/);
    await waitFor(() => answered.values.length === 1 && rr(kiosk).counters.droppedReplies === 1, { message: 'the late reply to be dropped' });
    expect(rr(display).counters.handled).toBe(2);
    expect(inner(kiosk).holders).toBe(1); // state$ only: both requests let go of the connection
  });

  it('unsubscribing cancels: the late reply is dropped quietly (counted), the handler ran once', async () => {
    let runs = 0;
    const { answered } = await responder('cancel', () => {
      runs++;
      return delay(300).then(() => 'too late');
    });
    const kiosk = make('KIOSK-KEY');
    subs.push(kiosk.state$.subscribe()); // stays online: the late reply reaches it
    const errors = record(kiosk.errors$);
    const got = record(kiosk.request({ receiver: 'display-01', command: 'cancel', data: {} }, { timeout: 5000 }));
    await waitFor(() => runs === 1);
    got.sub.unsubscribe();
    await waitFor(() => answered.values.length === 1 && rr(kiosk).counters.droppedReplies === 1, { message: 'the late reply to be dropped' });
    expect(got.values).toEqual([]);
    expect(got.errors).toEqual([]);
    expect(errors.values).toEqual([]);
    expect(runs).toBe(1);
    expect(inner(kiosk).holders).toBe(1); // state$ only: the cancelled request let go of the connection
  });

  it('many requests in flight from two requesters: none blocks another, each reply goes to its own request', async () => {
    const { display } = await responder('double', (m) => delay(Math.floor(Math.random() * 100)).then(() => (m.data as number) * 2));
    const kiosk = make('KIOSK-KEY');
    const third = make('THIRD-KEY');
    const t0 = Date.now();
    const asks = [kiosk, third].flatMap((c, k) =>
      Array.from({ length: 25 }, (_, i) => firstValueFrom(c.request({ receiver: 'display-01', command: 'double', data: k * 1000 + i }, { timeout: 8000 }))),
    );
    const replies = await Promise.all(asks);
    expect(replies).toEqual([0, 1].flatMap((k) => Array.from({ length: 25 }, (_, i) => (k * 1000 + i) * 2)));
    expect(rr(display).counters.handled).toBe(50);
    report(`request/reply concurrent ${name}`, { requests: 50, ms: Date.now() - t0 });
  });

  it('a repeated request id is answered from the cache of recent replies; the handler does not run again', async () => {
    let runs = 0;
    const { display, answered } = await responder('once', () => ++runs);
    const kiosk = make('KIOSK-KEY');
    subs.push(kiosk.state$.subscribe()); // stays online: the repeated reply reaches it
    expect(await firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'once', data: {} }, { timeout: 5000 }))).toBe(1);
    const id = answered.values[0].id;
    // The same request again (as after a lost window), plain over the wire from the same sender.
    const again = { 'rexsys-rx:rpc': 1, kind: 'request', id, command: 'once', timeout: 5000, data: {} };
    await server.inject('display-01', { command: REQUEST_COMMAND, data: again, sender: 'kiosk-01', receiver: 'display-01' });
    await waitFor(() => answered.values.length === 2 && rr(kiosk).counters.droppedReplies === 1, { message: 'the cached reply' });
    expect(answered.values[1]).toMatchObject({ id, cached: true, ok: true });
    expect(runs).toBe(1);
    expect(rr(display).counters).toMatchObject({ handled: 1, answeredFromCache: 1 });
  });

  it('a forged reply (another sender, or an unknown id) is dropped and counted; malformed payloads go to errors$; the real reply wins', async () => {
    let release!: () => void;
    await responder('wait', () => new Promise<string>((resolve) => (release = () => resolve('real'))));
    const kiosk = make('KIOSK-KEY');
    const errors = record(kiosk.errors$);
    const got = record(kiosk.request({ receiver: 'display-01', command: 'wait', data: {} }, { timeout: 8000 }));
    await waitFor(() => release !== undefined);
    const [id] = [...(rr(kiosk).requester as unknown as { pending: Map<string, unknown> }).pending.keys()];
    const reply = (to: string) => ({ 'rexsys-rx:rpc': 1, kind: 'reply', to, ok: true, data: 'forged' });
    await server.inject('kiosk-01', { command: REPLY_COMMAND, data: reply(id), sender: 'third-01', receiver: 'kiosk-01' });
    await server.inject('kiosk-01', { command: REPLY_COMMAND, data: reply('no-such-id'), sender: 'display-01', receiver: 'kiosk-01' });
    await server.inject('kiosk-01', { command: REPLY_COMMAND, data: { 'rexsys-rx:rpc': 1, kind: 'reply', to: id, ok: 'maybe' }, sender: 'display-01' });
    await waitFor(() => rr(kiosk).counters.droppedReplies === 2 && rr(kiosk).counters.invalid === 1, { message: 'the forged replies to be dropped' });
    expect(got.values).toEqual([]);
    expect(errors.values).toEqual([expect.objectContaining({ code: 'E_DECODE', message: expect.stringMatching(/ok is not a boolean/) })]);
    release();
    await waitFor(() => got.completed);
    expect(got.values).toEqual(['real']);
  });

  it("the requester's link cut again and again: every request answered, each handler run once", async () => {
    const seed = SEED + (name === 'emulator' ? 7 : 1007);
    const rng = prng(seed);
    const runsById = new Map<string, number>();
    const { display } = await responder('count', (m) => {
      runsById.set(m.id!, (runsById.get(m.id!) ?? 0) + 1);
      return { n: m.data };
    });
    const kp = await startTcpProxy(server.port);
    proxies.push(kp);
    const kiosk = make('KIOSK-KEY', { sendTimeout: 2000 }, kp.url);
    await untilStatus(kiosk, 'ready');
    let cutting = true;
    let cuts = 0;
    const chaos = (async () => {
      while (cutting) {
        await delay(rng.int(100, 350));
        if (!cutting) break;
        kp.cut();
        cuts++;
      }
    })();
    const N = 20;
    const t0 = Date.now();
    const asks: Array<Promise<unknown>> = [];
    for (let n = 0; n < N; n++) {
      asks.push(
        firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'count', data: n }, { timeout: 12_000, via: rng.pick(['socket', 'auto'] as const) })),
      );
      await delay(rng.int(30, 90));
    }
    const outcomes = await Promise.all(asks.map(settle));
    cutting = false;
    await chaos;
    report(`request/reply link cuts ${name}`, {
      seed,
      requests: N,
      cuts,
      ms: Date.now() - t0,
      kioskTransmissions: engine(kiosk).counters.transmissions,
      displayTransmissions: engine(display).counters.transmissions,
    });
    expect(cuts).toBeGreaterThan(2);
    expect(outcomes.filter((o) => o.error).map((o) => String(o.error))).toEqual([]);
    expect(outcomes.map((o) => o.value)).toEqual(Array.from({ length: N }, (_, n) => ({ n })));
    expect(runsById.size).toBe(N);
    expect([...runsById.values()].every((r) => r === 1)).toBe(true);
    expect(rr(display).counters.handled).toBe(N);
    await waitFor(() => rr(display).responder.activeCount === 0, { timeout: 15_000, message: 'the replies to be confirmed' });
  }, 25_000);

  it('the requester offline while its reply is sent: the reply is retransmitted until it is back; the handler ran once', async () => {
    let runs = 0;
    const { display } = await responder('outage', () => {
      runs++;
      return delay(300).then(() => 'answer');
    });
    const kp = await startTcpProxy(server.port);
    proxies.push(kp);
    const kiosk = make('KIOSK-KEY', {}, kp.url);
    await untilStatus(kiosk, 'ready');
    const pending = settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'outage', data: {} }, { timeout: 10_000 })));
    const lostReplies = async () => (await server.dropped()).filter((d) => d.receiver === 'kiosk-01' && d.command === REPLY_COMMAND).length;
    const lostBefore = await lostReplies();
    await waitFor(() => runs === 1);
    kp.setBlocked(true);
    kp.cut();
    await delay(800);
    kp.setBlocked(false);
    const r = await pending;
    expect(r).toEqual({ value: 'answer', error: undefined });
    expect(runs).toBe(1);
    // The first copy of the reply was lost (the server dropped it: kiosk-01 was offline), a later one arrived.
    expect(await lostReplies()).toBeGreaterThan(lostBefore);
    expect(engine(display).counters.transmissions).toBeGreaterThanOrEqual(2);
  });

  it('close() ends a pending request with E_CLOSED and leaves nothing running', async () => {
    await responder('hang', () => delay(3000).then(() => 'never'));
    const kiosk = make('KIOSK-KEY');
    const pending = settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'hang', data: {} }, { timeout: 5000 })));
    await waitFor(() => rr(kiosk).counters.requests === 1);
    await delay(300);
    expect(inner(kiosk).holders).toBeGreaterThan(0); // the pending request holds the connection
    kiosk.close();
    expect((await pending).error).toMatchObject({ code: 'E_CLOSED' });
    expect(inner(kiosk).holders).toBe(0);
    expect(rr(kiosk).requester.pendingCount).toBe(0);
    expect(engine(kiosk).activeCount).toBe(0);
    const after = await settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'hang', data: {} })));
    expect(after.error).toMatchObject({ code: 'E_CLOSED' });
  });

  it('unsubscribing reply() stops answering: a request in flight gets E_REMOTE, the next one is not confirmed', async () => {
    const { answered } = await responder('bye', () => delay(2000).then(() => 'never'));
    const kiosk = make('KIOSK-KEY');
    const pending = settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'bye', data: {} }, { timeout: 5000 })));
    await waitFor(() => rr(kiosk).counters.requests === 1);
    await delay(200);
    answered.sub.unsubscribe();
    const r = await pending;
    expect(r.error).toMatchObject({ code: 'E_REMOTE', message: expect.stringMatching(/stopped answering "bye"/) });
    const next = await settle(firstValueFrom(kiosk.request({ receiver: 'display-01', command: 'bye', data: {} }, { timeout: 600 })));
    expect(next.error).toMatchObject({ code: 'E_UNCONFIRMED' });
    void of;
  });
});
