import * as t from 'io-ts';
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { internals, type ClientInternals } from '../../lib/client/create-client';
import type { RexsysClient } from '../../lib/index';
import { sendTo } from '../../lib/operators/send-to';
import { RexsysError, RexsysSendError, RexsysTimeoutError, RexsysTransportError } from '../../lib/errors';
import { PEERS, type TestServer } from '../support/servers';
import { startTcpProxy } from '../support/tcp-proxy';
import { delay, waitFor } from '../support/wait';
import { record, untilStatus, clientFactory } from '../support/client-helpers';

const inner = (c: RexsysClient): ClientInternals => (c as unknown as { [internals]: ClientInternals })[internals];
const failure = (p: Promise<unknown>): Promise<RexsysError> =>
  p.then(
    (v) => {
      throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
    },
    (e: RexsysError) => e,
  );

describe.each(PEERS)('sending against the %s', (_name, start) => {
  let server: TestServer;
  const { make, closeAll } = clientFactory(() => server.url, { sendTimeout: 5000 });
  /** A display client that is logged in and records what it receives. */
  const display = async () => {
    const c = make('DISPLAY-KEY');
    const got = record(c.messages$);
    await untilStatus(c, 'ready');
    return { c, got };
  };
  const deliveredSince = async (n: number) => (await server.delivered()).slice(n);

  beforeAll(async () => {
    server = await start();
  });
  afterEach(async () => {
    closeAll();
    await waitFor(async () => (await server.sessions()).length === 0, { message: 'server still has sockets' });
  });
  afterAll(() => server.close());

  it('send is cold: nothing goes until subscribed, each subscription sends once (socket, acked)', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY');
    const hold = kiosk.state$.subscribe();
    await untilStatus(kiosk, 'ready');
    const send$ = kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/a' } }, { via: 'socket' });
    await delay(100);
    expect(got.values).toHaveLength(0);
    const r1 = await firstValueFrom(send$);
    const r2 = await firstValueFrom(send$);
    expect(r1).toMatchObject({ via: 'socket', receiver: 'display-01', command: 'show', acked: true });
    expect(typeof r2.at).toBe('number');
    await waitFor(() => got.values.length === 2);
    expect(got.values[0]).toMatchObject({ command: 'show', data: { url: '/a' }, sender: 'kiosk-01' });
    hold.unsubscribe();
  });

  it('REST sends arrive with data parsed; the receipt holds the server result', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY');
    const r = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { n: 1, s: '한국어 ✓ %+/= "q"' } }, { via: 'rest' }));
    expect(r.via).toBe('rest');
    expect(r.result).toMatchObject({ delivered: 1 });
    await waitFor(() => got.values.length === 1);
    expect(got.values[0]).toMatchObject({ command: 'show', data: { n: 1, s: '한국어 ✓ %+/= "q"' }, sender: 'kiosk-01' });
    expect(await server.sessions()).toHaveLength(1); // a REST send opens no socket
  });

  it("via 'auto' uses the socket when ready and REST otherwise", async () => {
    await display();
    const kiosk = make('KIOSK-KEY');
    const idle = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'a', data: 1 }));
    expect(idle.via).toBe('rest');
    const hold = kiosk.messages$.subscribe();
    await untilStatus(kiosk, 'ready');
    const ready = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'a', data: 2 }));
    expect(ready.via).toBe('socket');
    hold.unsubscribe();
  });

  it("via 'socket' waits in the outbox for ready, keeps FIFO order and holds the socket open", async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY');
    // all subscribed at once, before the kiosk has even connected
    const receipts = Promise.all(
      Array.from({ length: 50 }, (_, i) => firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'seq', data: { i } }, { via: 'socket' }))),
    );
    expect(inner(kiosk).outboxQueued).toBe(50);
    expect(kiosk.state.status).not.toBe('ready');
    const all = await receipts;
    expect(all.every((r) => r.via === 'socket' && r.acked)).toBe(true);
    await waitFor(() => got.values.length === 50);
    expect(got.values.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(inner(kiosk).outboxInflight).toBe(0);
    await waitFor(() => inner(kiosk).holders === 0);
  });

  it('unsubscribing before it is sent cancels a send for good; timeouts in the queue say never sent', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY', { productkey: undefined, credentials: { uid: 'kiosk-01', token: 'bad' } });
    const sub = kiosk.send({ receiver: 'display-01', command: 'never', data: 1 }, { via: 'socket' }).subscribe();
    expect(inner(kiosk).outboxQueued).toBe(1);
    sub.unsubscribe();
    expect(inner(kiosk).outboxQueued).toBe(0);
    const e = await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'never', data: 2 }, { via: 'socket', timeout: 300 })));
    expect(e).toBeInstanceOf(RexsysTimeoutError);
    expect(e.code).toBe('E_TIMEOUT'); // never sent (an emitted one would be E_OUTCOME_UNKNOWN)
    await delay(100);
    expect(got.values).toHaveLength(0);
  });

  it('a full outbox fails the extra send with E_OUTBOX_FULL', async () => {
    const kiosk = make('KIOSK-KEY', { productkey: undefined, credentials: { uid: 'kiosk-01', token: 'bad' }, outboxSize: 2 });
    const subs = [1, 2].map((i) => kiosk.send({ receiver: 'x', command: 'c', data: i }, { via: 'socket' }).subscribe({ error: () => undefined }));
    const e = await failure(firstValueFrom(kiosk.send({ receiver: 'x', command: 'c', data: 3 }, { via: 'socket' })));
    expect(e).toBeInstanceOf(RexsysSendError);
    expect(e.code).toBe('E_OUTBOX_FULL');
    subs.forEach((s) => s.unsubscribe());
  });

  it('exactly once across a network cut: queued sends go after the new login, none twice', async () => {
    const { got } = await display();
    const proxy = await startTcpProxy(server.port);
    try {
      const before = (await server.delivered()).length;
      const kiosk = make('KIOSK-KEY', {}, proxy.url);
      const states = record(kiosk.state$);
      await untilStatus(kiosk, 'ready');
      proxy.setBlocked(true);
      proxy.cut();
      await waitFor(() => kiosk.state.status === 'reconnecting');
      const results = Array.from({ length: 20 }, (_, i) =>
        firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'cut', data: { i } }, { via: 'socket' })),
      );
      await delay(200);
      expect(inner(kiosk).outboxQueued).toBe(20);
      proxy.setBlocked(false);
      const receipts = await Promise.all(results);
      expect(receipts.every((r) => r.acked)).toBe(true);
      await waitFor(() => got.values.filter((m) => m.command === 'cut').length === 20);
      await delay(200);
      const cut = (await deliveredSince(before)).filter((d) => d.command === 'cut');
      expect(cut.map((d) => (d.data as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(got.values.filter((m) => m.command === 'cut')).toHaveLength(20);
      // every one of them went after the second login
      const readies = states.values.filter((s) => s.status === 'ready');
      expect(readies).toHaveLength(2);
      states.sub.unsubscribe();
    } finally {
      closeAll();
      await proxy.close();
    }
  });

  it('a drop between emit and ack gives E_OUTCOME_UNKNOWN, never a silent retry', async () => {
    await display();
    const proxy = await startTcpProxy(server.port);
    try {
      const before = (await server.delivered()).length;
      const kiosk = make('KIOSK-KEY', {}, proxy.url);
      const hold = kiosk.state$.subscribe();
      await untilStatus(kiosk, 'ready');
      const outcomes = Array.from({ length: 30 }, (_, i) =>
        firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'race', data: { i } }, { via: 'socket' })).then(
          () => 'ok',
          (e: RexsysError) => e.code,
        ),
      );
      proxy.cut(); // while some are in flight
      const codes = await Promise.all(outcomes);
      expect(codes.every((c) => c === 'ok' || c === 'E_OUTCOME_UNKNOWN')).toBe(true);
      expect(codes).toContain('E_OUTCOME_UNKNOWN'); // the cut did catch sends in flight
      await untilStatus(kiosk, 'ready');
      await delay(300);
      const race = (await deliveredSince(before)).filter((d) => d.command === 'race').map((d) => (d.data as { i: number }).i);
      expect(new Set(race).size).toBe(race.length); // no duplicates
      codes.forEach((c, i) => c === 'ok' && expect(race).toContain(i)); // acked means the server got it
      hold.unsubscribe();
    } finally {
      closeAll();
      await proxy.close();
    }
  });

  it('REST: a 500 is retried once and delivered once; a 400 is not retried; a hung answer times out', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY');
    await server.failNext('/api/ide/io/send', { status: 500, times: 1 });
    const r = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'retry', data: 1 }, { via: 'rest' }));
    expect(r.via).toBe('rest');
    await waitFor(() => got.values.length === 1);

    await server.failNext('/api/ide/io/send', { status: 400, times: 2 });
    const e400 = await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'bad', data: 1 }, { via: 'rest' })));
    expect(e400).toBeInstanceOf(RexsysTransportError);
    expect((e400 as RexsysTransportError).status).toBe(400);
    // not retried: the second fault is still armed and fails the next call
    const again = await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'bad', data: 2 }, { via: 'rest' })));
    expect((again as RexsysTransportError).status).toBe(400);

    await server.failNext('/api/ide/io/send', { status: 503, times: 10 });
    const e503 = await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'down', data: 1 }, { via: 'rest' })));
    expect((e503 as RexsysTransportError).status).toBe(503);

    await server.failNext('/api/ide/io/send', { hang: true, times: 1 });
    const hung = await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'hung', data: 1 }, { via: 'rest', timeout: 400 })));
    expect(hung).toBeInstanceOf(RexsysTimeoutError);
    await delay(100);
    expect(got.values.map((m) => m.command)).toEqual(['retry']);
    expect(e400.message).not.toMatch(/token|EncodeData/i);
  });

  it('REST: a refused token is certified again once, then sent', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY');
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'one', data: 1 }, { via: 'rest' }));
    await server.revokeTokens();
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'two', data: 2 }, { via: 'rest' }));
    await waitFor(() => got.values.length === 2);
    expect(got.values.map((m) => m.command)).toEqual(['one', 'two']);
  });

  it('Korean, emoji and a 300 kB payload go through both transports intact', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY');
    const hold = kiosk.state$.subscribe();
    await untilStatus(kiosk, 'ready');
    const text = '안녕하세요 👋🏽 %25 + / = & ? # "\\ \u0000'.repeat(3);
    const big = 'x'.repeat(300_000);
    for (const via of ['socket', 'rest'] as const) {
      await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'text', data: { text, via } }, { via }));
      await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'big', data: { big, via } }, { via }));
    }
    await waitFor(() => got.values.length === 4, { timeout: 8000 });
    for (const m of got.values) {
      if (m.command === 'text') expect((m.data as { text: string }).text).toBe(text);
      else expect((m.data as { big: string }).big).toHaveLength(300_000);
    }
    hold.unsubscribe();
  });

  it('sendTo sends each value in order; by default it stops at the first failure, with onError it goes on', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY', { outboxSize: 1 });
    const receipts = await lastValueFrom(from([1, 2, 3]).pipe(sendTo(kiosk, { receiver: 'display-01', command: 'seq', via: 'rest' }), toArray()));
    expect(receipts.map((r) => r.via)).toEqual(['rest', 'rest', 'rest']);
    await waitFor(() => got.values.length === 3);
    expect(got.values.map((m) => m.data)).toEqual([1, 2, 3]);

    await server.failNext('/api/ide/io/send', { status: 400, times: 1 });
    const stopped = await failure(lastValueFrom(from([4, 5]).pipe(sendTo(kiosk, { receiver: 'display-01', command: 'seq', via: 'rest' }), toArray())));
    expect(stopped.code).toBe('E_HTTP');
    await server.failNext('/api/ide/io/send', { status: 400, times: 1 });
    const failed: unknown[] = [];
    const went = await lastValueFrom(
      from([6, 7]).pipe(sendTo(kiosk, { receiver: 'display-01', command: 'seq', via: 'rest', onError: (_e, data) => failed.push(data) }), toArray()),
    );
    expect(failed).toEqual([6]);
    expect(went).toHaveLength(1);
    await waitFor(() => got.values.length === 4);
    expect(got.values.map((m) => m.data)).toEqual([1, 2, 3, 7]);
  });

  it('fanOut gives one result per receiver, failures included (client-side fan-out)', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY');
    const hold = kiosk.state$.subscribe();
    await untilStatus(kiosk, 'ready');
    const results = await lastValueFrom(
      kiosk.fanOut({ receivers: ['display-01', 'offline-01', ''], command: 'all', data: { x: 1 } }, { via: 'socket' }).pipe(toArray()),
    );
    expect(results.map((r) => [r.receiver, r.ok])).toEqual([
      ['display-01', true],
      ['offline-01', true], // the server acks it and drops it: nobody is there
      ['', false],
    ]);
    await waitFor(() => got.values.length === 1);
    hold.unsubscribe();
  });

  it('a codec map encodes typed sends', async () => {
    const { got } = await display();
    const DateFromIso = new t.Type<Date, string, unknown>(
      'DateFromIso',
      (u): u is Date => u instanceof Date,
      (u, ctx) => (typeof u === 'string' && !isNaN(Date.parse(u)) ? t.success(new Date(u)) : t.failure(u, ctx)),
      (d) => d.toISOString(),
    );
    const Show = t.type({ at: DateFromIso });
    const kiosk = make('KIOSK-KEY', { commands: { show: Show } });
    const typed = kiosk as unknown as RexsysClient<{ show: typeof Show }>;
    await firstValueFrom(typed.send({ receiver: 'display-01', command: 'show', data: { at: new Date(0) } }, { via: 'rest' }));
    await waitFor(() => got.values.length === 1);
    expect(got.values[0].data).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });
});
