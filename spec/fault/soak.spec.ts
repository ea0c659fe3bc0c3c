/**
 * Bursts and lifecycle soaks, against both peers.
 *
 * Proves: 10,000 messages sent to one client in one burst (injected by the emulator;
 * from a sender client on the python peer; both under REXSYS_SOAK=1) arrive complete and in order
 * on `messages$` and on `command$` streams (with and without a codec); 10,000
 * subscribe/unsubscribe cycles of `messages$`/`command$`/`state$` within the grace
 * period keep one socket and grow nothing; hundreds of full open/close cycles (grace
 * period 0, and create/close) leave no holder, listener, outbox entry, server socket or
 * timer behind, and the heap flat after forced GC.
 */
import * as t from 'io-ts';
import { firstValueFrom } from 'rxjs';
import { createRexsysClient } from '../../lib/client/create-client';
import type { SendReceipt } from '../../lib/index';
import { clientFactory, record, untilStatus } from '../support/client-helpers';
import { PEERS, type TestServer } from '../support/servers';
import { waitFor } from '../support/wait';

import { SOAK, activeTimers, inner, mb, report, scale, settledHeap, ZERO_INTERNALS } from '../support/fault-kit';

/**
 * Registers the test only where it applies to this peer (never a skipped test in CI):
 * the emulator floods by its inject hook (a sending client only in the soak), and the
 * python server by a sending client (its inject hook is one HTTP call per message).
 */
const itWhen = (applies: boolean): jest.It => (applies ? it : ((() => undefined) as unknown as jest.It));

const BURST = scale(10_000, 100_000);
const SUB_CYCLES = scale(10_000, 200_000);
const OPEN_CYCLES = scale(150, 2_000);
const CREATE_CYCLES = scale(50, 500);
const HEAP_SLACK = 5 * 1024 * 1024;
const Burst = t.type({ i: t.number });

describe.each(PEERS)('bursts and soaks against the %s', (name, start) => {
  let server: TestServer;
  const { make, closeAll } = clientFactory(() => server.url);
  const noSockets = () => waitFor(async () => (await server.sessions()).length === 0, { timeout: 8000, message: 'the server to have no socket left' });

  beforeAll(async () => {
    server = await start();
  });
  afterEach(async () => {
    closeAll();
    await noSockets();
  });
  afterAll(() => server.close());

  // In CI the emulator takes its burst by injection (below) and the python peer from a sender client; soaks run both.
  itWhen(name !== 'emulator' || SOAK)(
    `${BURST} messages from a sender client in one burst arrive complete and in order on messages$ and command$`,
    async () => {
      const display = make('DISPLAY-KEY');
      const all = record(display.messages$);
      const raw = record(display.command$('burst'));
      const typed = record(display.command$('burst', Burst));
      const errors = record(display.errors$);
      const kiosk = make('KIOSK-KEY', { outboxSize: BURST, sendTimeout: 120_000 });
      const hold = kiosk.state$.subscribe();
      await untilStatus(display, 'ready');
      await untilStatus(kiosk, 'ready');
      const heapBefore = await settledHeap();

      const t0 = Date.now();
      const receipts = await Promise.all(
        Array.from({ length: BURST }, (_, i) => firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'burst', data: { i } }, { via: 'socket' }))),
      );
      const ackedMs = Date.now() - t0;
      await waitFor(() => typed.values.length >= BURST, { timeout: scale(60_000, 600_000), interval: 50, message: `${BURST} messages at the display` });
      const receivedMs = Date.now() - t0;
      const heapAfter = await settledHeap();
      report(`burst ${name} sender`, {
        messages: BURST,
        acked: receipts.filter((r: SendReceipt) => r.acked).length,
        ackedMs,
        receivedMs,
        perSecond: Math.round((BURST * 1000) / receivedMs),
        heapBefore: mb(heapBefore),
        heapAfter: mb(heapAfter),
      });

      const expected = Array.from({ length: BURST }, (_, i) => i);
      expect(receipts.every((r) => r.via === 'socket' && r.acked)).toBe(true);
      expect(all.values.map((m) => (m.data as { i: number }).i)).toEqual(expected);
      expect(raw.values.map((m) => (m.data as { i: number }).i)).toEqual(expected);
      expect(typed.values.map((m) => m.data.i)).toEqual(expected);
      expect(errors.values).toEqual([]);
      expect([all.errors, raw.errors, typed.errors]).toEqual([[], [], []]);
      expect(inner(kiosk).outboxQueued + inner(kiosk).outboxInflight).toBe(0);
      [all, raw, typed, errors].forEach((r) => r.sub.unsubscribe());
      hold.unsubscribe();
    },
    scale(90_000, 900_000),
  );

  // The python peer injects over one HTTP call per message: the sender-client burst above covers it.
  itWhen(name === 'emulator')(
    `${BURST} messages injected by the server arrive complete and in order (the emulator's inject hook in a loop)`,
    async () => {
      const heapBefore = await settledHeap();
      const display = make('DISPLAY-KEY');
      const all = record(display.messages$);
      const shows = record(display.command$('show', Burst));
      const others = record(display.command$('other'));
      await untilStatus(display, 'ready');
      const t0 = Date.now();
      for (let i = 0; i < BURST; i++) {
        const command = i % 10 === 9 ? 'other' : 'show';
        // REST-style data (a JSON string) and socket-style data (an object), mixed.
        await server.inject('display-01', { command, data: i % 2 === 0 ? { i } : JSON.stringify({ i }), sender: 'kiosk-01' });
      }
      await waitFor(() => all.values.length >= BURST, { timeout: 60_000, interval: 50, message: `${BURST} injected messages` });
      const ms = Date.now() - t0;
      const heapAfter = await settledHeap();
      report(`burst ${name} inject`, {
        messages: BURST,
        ms,
        perSecond: Math.round((BURST * 1000) / ms),
        shows: shows.values.length,
        others: others.values.length,
        heapBefore: mb(heapBefore),
        heapAfter: mb(heapAfter),
      });
      expect(all.values.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: BURST }, (_, i) => i));
      expect(shows.values.map((m) => m.data.i)).toEqual(Array.from({ length: BURST }, (_, i) => i).filter((i) => i % 10 !== 9));
      expect(others.values.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: BURST }, (_, i) => i).filter((i) => i % 10 === 9));
      [all, shows, others].forEach((r) => r.sub.unsubscribe());
    },
    90_000,
  );

  it(
    `${SUB_CYCLES} subscribe/unsubscribe cycles within the grace period keep one socket and leave nothing behind`,
    async () => {
      const timersBefore = activeTimers();
      const c = make('KIOSK-KEY', { gracePeriod: 2000 });
      const first = c.state$.subscribe();
      const ready = await untilStatus(c, 'ready');
      first.unsubscribe(); // from now on only the grace period and the cycles hold the socket
      const listenersAtRest = inner(c).socketListeners;
      let heapBefore = 0;
      const t0 = Date.now();
      for (let i = 0; i < SUB_CYCLES; i++) {
        const subs = [c.messages$.subscribe(), c.command$('a').subscribe(), c.command$(`cmd-${i % 7}`, Burst).subscribe(), c.state$.subscribe()];
        if (i % 3 === 0) subs.reverse();
        subs.forEach((s) => s.unsubscribe());
        if (i % 250 === 0) {
          expect(inner(c).holders).toBe(0);
          expect(inner(c).dispatcherListeners).toBe(0);
          expect(inner(c).socketListeners).toBe(listenersAtRest);
          await new Promise((r) => setImmediate(r)); // let the socket breathe
        }
        if (i === Math.floor(SUB_CYCLES / 10)) heapBefore = await settledHeap(); // after warm-up
      }
      const cyclesMs = Date.now() - t0;
      const heapAfter = await settledHeap();
      // Still the same socket and login: no cycle reopened anything.
      expect(c.state.status).toBe('ready');
      expect(c.state.sid).toBe(ready.sid);
      expect((await server.sessions()).filter((s) => s.loggedIn)).toHaveLength(1);
      expect(inner(c)).toEqual({ ...ZERO_INTERNALS, socketListeners: listenersAtRest });
      // After the grace period the socket closes and everything is back to zero.
      await waitFor(() => c.state.status === 'idle', { timeout: 6000, message: 'the grace period to end' });
      await noSockets();
      expect(inner(c)).toEqual(ZERO_INTERNALS);
      c.close();
      // Process-wide count: the in-process server's HTTP keep-alive timer (5 s) for the certify call may still run.
      await waitFor(() => activeTimers() <= timersBefore, { timeout: 7000, message: `timers back to ${timersBefore} (now ${activeTimers()})` }).catch(
        () => undefined,
      );
      const timersAfter = activeTimers();
      report(`soak ${name} subscribe cycles`, {
        cycles: SUB_CYCLES,
        cyclesMs,
        listenersAtRest,
        heapBefore: mb(heapBefore),
        heapAfter: mb(heapAfter),
        heapGrowth: mb(heapAfter - heapBefore),
        timersBefore,
        timersAfter,
      });
      expect(heapAfter - heapBefore).toBeLessThan(HEAP_SLACK);
      expect(timersAfter).toBeLessThanOrEqual(timersBefore);
    },
    scale(60_000, 900_000),
  );

  it(
    `${OPEN_CYCLES} open/close cycles (grace period 0) and ${CREATE_CYCLES} create/close cycles leave no socket, listener, timer or heap behind`,
    async () => {
      const timersBefore = activeTimers();
      const c = make('KIOSK-KEY', { gracePeriod: 0 });
      const sids = new Set<string>();
      let heapBefore = 0;
      const t0 = Date.now();
      for (let i = 0; i < OPEN_CYCLES; i++) {
        const hold = c.messages$.subscribe();
        const s = await untilStatus(c, 'ready');
        sids.add(s.sid as string);
        hold.unsubscribe();
        expect(c.state.status).toBe('idle'); // grace period 0: closed at once
        expect(inner(c)).toEqual(ZERO_INTERNALS);
        if (i === Math.floor(OPEN_CYCLES / 10)) heapBefore = await settledHeap();
      }
      const openMs = Date.now() - t0;
      const t1 = Date.now();
      for (let i = 0; i < CREATE_CYCLES; i++) {
        const d = createRexsysClient({ url: server.url, project: 'demo', productkey: 'DISPLAY-KEY', gracePeriod: 0, socket: { transports: ['websocket'] } });
        const hold = d.state$.subscribe();
        const pending = d.send({ receiver: 'kiosk-01', command: 'x', data: i }, { via: 'socket' }).subscribe({ error: () => undefined });
        await untilStatus(d, 'ready');
        d.close();
        hold.unsubscribe();
        pending.unsubscribe();
        expect(d.state.status).toBe('closed');
        expect(inner(d)).toEqual(ZERO_INTERNALS);
      }
      const createMs = Date.now() - t1;
      await noSockets();
      c.close();
      const heapAfter = await settledHeap();
      // Process-wide count: the in-process server's HTTP keep-alive timer (5 s) for the certify call may still run.
      await waitFor(() => activeTimers() <= timersBefore, { timeout: 7000, message: 'timers to settle' }).catch(() => undefined);
      const timersAfter = activeTimers();
      report(`soak ${name} open/close cycles`, {
        openCycles: OPEN_CYCLES,
        openMs,
        perOpenMs: Math.round(openMs / OPEN_CYCLES),
        distinctSids: sids.size,
        createCycles: CREATE_CYCLES,
        createMs,
        heapBefore: mb(heapBefore),
        heapAfter: mb(heapAfter),
        heapGrowth: mb(heapAfter - heapBefore),
        timersBefore,
        timersAfter,
      });
      expect(sids.size).toBe(OPEN_CYCLES); // every cycle really opened a new socket
      expect((await server.sessions()).length).toBe(0);
      expect(heapAfter - heapBefore).toBeLessThan(HEAP_SLACK);
      expect(timersAfter).toBeLessThanOrEqual(timersBefore);
    },
    scale(90_000, 1_800_000),
  );
});
