/**
 * Confirmed delivery end to end, against both peers (the emulator and python-socketio),
 * with TCP proxies on BOTH links (kiosk ↔ server, display ↔ server).
 *
 * Proves: under cuts and black holes on both links, with the display unreachable for a
 * stretch and sends mixed over socket, auto and REST, every confirmed send gets a
 * receipt `{ delivered: true, id }` and the display's application sees each message
 * exactly once, in send order, with the envelope stripped; `ttl` → E_UNCONFIRMED and a
 * given-up message does not block later ones; a display closed and re-created gets the
 * rest; a server restart that loses every token mid-stream; a message nobody subscribes
 * to is confirmed only once somebody does; forged envelopes go to errors$, typed.
 */
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { RexsysDecodeError, RexsysError, RexsysSendError, sendTo, type RexsysClient, type RexsysMessage, type SendReceipt, type Via } from '../../lib/index';
import type { DeliveryEngine } from '../../lib/delivery/delivery-engine';
import { deliveryEngine } from '../../lib/client/reliable-on-demand';
import { CONFIRM_COMMAND } from '../../lib/delivery/envelope';
import { record, untilStatus, clientFactory } from '../support/client-helpers';
import { PEERS, type TestServer } from '../support/servers';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { delay, waitFor } from '../support/wait';
import { SEED, dataOf, duplicates, prng, report } from '../support/fault-kit';

/** Fast retransmission for tests: a silent receiver is probed at 250 ms, 500, 1000, 1000, … */
const FAST = { retransmitAfter: 250, maxProbeInterval: 1000 };
const engine = (c: RexsysClient): DeliveryEngine => (c as unknown as { [deliveryEngine]: DeliveryEngine })[deliveryEngine];

type Outcome = { readonly n: number; readonly via: Via; receipt?: SendReceipt; error?: unknown; ms?: number };

function sendNumbered(kiosk: RexsysClient, command: string, run: string, n: number, via: Via, ttl?: number): Promise<Outcome> {
  const t0 = Date.now();
  return firstValueFrom(kiosk.send({ receiver: 'display-01', command, data: { run, n } }, { via, delivery: 'confirmed', ttl })).then(
    (receipt): Outcome => ({ n, via, receipt, ms: Date.now() - t0 }),
    (error: unknown): Outcome => ({ n, via, error, ms: Date.now() - t0 }),
  );
}

const ns = (got: readonly RexsysMessage[], command: string) => got.filter((m) => m.command === command).map((m) => (m.data as { n: number }).n);

describe.each(PEERS)('confirmed delivery against the %s', (name, start) => {
  let server: TestServer;
  const { make, closeAll } = clientFactory(() => server.url, { confirmation: FAST });
  const proxies: TcpProxy[] = [];
  const proxy = async () => {
    const p = await startTcpProxy(server.port);
    proxies.push(p);
    return p;
  };

  beforeAll(async () => {
    server = await start();
  });
  afterEach(async () => {
    closeAll();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await waitFor(async () => (await server.sessions()).length === 0, { message: 'server still has sockets after close()' });
  });
  afterAll(() => server.close());

  it('chaos on both links and the display unreachable for 2 s: every send confirmed, each message handed over once, in order', async () => {
    const seed = SEED + (name === 'emulator' ? 0 : 1000);
    const rng = prng(seed);
    const run = `${name}-${seed}-${Date.now()}`;
    const command = 'chaos';
    const N = 80;
    const [kp, dp] = [await proxy(), await proxy()];
    const display = make('DISPLAY-KEY', {}, dp.url);
    const got = record(display.command$(command));
    const displayErrors = record(display.errors$);
    const kiosk = make('KIOSK-KEY', { delivery: 'confirmed', sendTimeout: 3000 }, kp.url);
    const kioskErrors = record(kiosk.errors$);
    await untilStatus(display, 'ready');
    await untilStatus(kiosk, 'ready');

    const chaos = { cuts: 0, blocks: 0 };
    let sending = true;
    const chaosOn = async (p: TcpProxy, r: ReturnType<typeof prng>) => {
      while (sending) {
        await delay(r.int(200, 700));
        if (!sending) break;
        if (r.chance(0.2)) {
          p.setBlocked(true);
          p.cut();
          chaos.blocks++;
          await delay(r.int(100, 400));
          p.setBlocked(false);
        } else {
          p.cut();
          chaos.cuts++;
        }
      }
    };
    const chaosDone = Promise.all([chaosOn(kp, prng(seed + 1)), chaosOn(dp, prng(seed + 2))]);
    // The display is unreachable for 2 s in the middle of the stream.
    const outage = (async () => {
      await delay(800);
      dp.setBlocked(true);
      dp.cut();
      await delay(2000);
      dp.setBlocked(false);
    })();

    const started = Date.now();
    const pending: Array<Promise<Outcome>> = [];
    for (let n = 0; n < N; n++) {
      pending.push(sendNumbered(kiosk, command, run, n, rng.pick<Via>(['socket', 'socket', 'auto', 'rest']), 20_000));
      await delay(rng.int(5, 40));
    }
    await outage;
    sending = false;
    await chaosDone;
    const outcomes = await Promise.all(pending);
    const settledMs = Date.now() - started;
    await delay(300); // a late duplicate would show here

    const order = ns(got.values, command);
    const atServer = (await server.delivered()).filter((d) => d.command === command && dataOf<{ data: { run: string } }>(d).data?.run === run).length;
    const confirmsAtServer = (await server.delivered()).filter((d) => d.command === CONFIRM_COMMAND && d.receiver === 'kiosk-01').length;
    const k = engine(kiosk).counters;
    const d = engine(display).counters;
    report(`confirmed chaos ${name}`, {
      seed,
      sent: N,
      confirmed: outcomes.filter((o) => o.receipt).length,
      handedOver: order.length,
      ...chaos,
      settledMs,
      maxLatencyMs: Math.max(...outcomes.map((o) => o.ms ?? 0)),
      transmissions: k.transmissions,
      confirmationsSent: d.confirmationsSent,
      wirePerDelivered: ((k.transmissions + d.confirmationsSent) / N).toFixed(2),
      forwardedByServerPerDelivered: ((atServer + confirmsAtServer) / N).toFixed(2),
      duplicatesDropped: d.duplicates,
    });

    expect(chaos.cuts + chaos.blocks).toBeGreaterThan(4);
    // The faults really lost messages (the server dropped some for the offline display), and they were sent again.
    expect((await server.dropped()).filter((x) => x.receiver === 'display-01' && x.command === command).length).toBeGreaterThan(0);
    expect(k.transmissions).toBeGreaterThan(N);
    expect(outcomes.filter((o) => !o.receipt).map((o) => ({ n: o.n, via: o.via, error: String(o.error) }))).toEqual([]);
    for (const o of outcomes) expect(o.receipt).toMatchObject({ delivered: true, receiver: 'display-01', command });
    // Exactly once, in send order, envelope stripped, id as in the receipt.
    expect(order).toEqual(outcomes.map((o) => o.n));
    expect(got.values.map((m) => m.id)).toEqual(outcomes.map((o) => o.receipt!.id));
    expect(got.values.every((m) => (m.data as { run: string }).run === run && Object.keys(m.data as object).length === 2)).toBe(true);
    expect(displayErrors.values.filter((e) => e.code === 'E_DECODE' || e.code === 'E_EXPIRED')).toEqual([]);
    expect(kioskErrors.values.every((e) => e instanceof RexsysError)).toBe(true);
    expect(engine(kiosk).pendingCount).toBe(0);
    // Nothing left running: no timers, no transmissions, no confirmations under way.
    await waitFor(() => engine(kiosk).activeCount === 0 && engine(display).activeCount === 0, { message: 'the engines to go idle' });
  }, 40_000);

  it('ttl: a receiver that never confirms → E_UNCONFIRMED at the deadline; a given-up message does not block the next one', async () => {
    const run = `ttl-${Date.now()}`;
    const dp = await proxy();
    dp.setBlocked(true);
    const kiosk = make('KIOSK-KEY');
    await untilStatus(kiosk, 'ready');
    const first = await sendNumbered(kiosk, 'ttl', run, 0, 'socket', 1200);
    expect(first.error).toBeInstanceOf(RexsysSendError);
    expect(first.error).toMatchObject({ code: 'E_UNCONFIRMED', receiver: 'display-01', command: 'ttl' });
    expect((first.error as Error).message).toMatch(/not confirmed by the receiving client within 1200 ms/);
    expect(first.ms).toBeGreaterThanOrEqual(1150);
    expect(first.ms).toBeLessThan(2500);
    // The display comes; the next message goes through, the given-up one never shows.
    dp.setBlocked(false);
    const display = make('DISPLAY-KEY', {}, dp.url);
    const got = record(display.command$('ttl'));
    await untilStatus(display, 'ready');
    const second = await sendNumbered(kiosk, 'ttl', run, 1, 'auto', 10_000);
    expect(second.receipt).toMatchObject({ delivered: true });
    await delay(300);
    expect(ns(got.values, 'ttl')).toEqual([1]);
  }, 20_000);

  it('a display closed and re-created (state lost) gets what was not confirmed, each instance in order without duplicates', async () => {
    const run = `recreate-${Date.now()}`;
    const kiosk = make('KIOSK-KEY', { delivery: 'confirmed' });
    const display1 = make('DISPLAY-KEY');
    const got1 = record(display1.command$('re'));
    await untilStatus(display1, 'ready');
    await untilStatus(kiosk, 'ready');
    const firstHalf = await Promise.all(Array.from({ length: 10 }, (_, n) => sendNumbered(kiosk, 're', run, n, 'socket', 15_000)));
    expect(firstHalf.every((o) => o.receipt?.delivered)).toBe(true);
    display1.close();
    const secondHalf = Array.from({ length: 10 }, (_, i) => sendNumbered(kiosk, 're', run, 10 + i, i % 2 ? 'rest' : 'socket', 15_000));
    await delay(600);
    const display2 = make('DISPLAY-KEY');
    const got2 = record(display2.command$('re'));
    const outcomes = await Promise.all(secondHalf);
    expect(outcomes.every((o) => o.receipt?.delivered)).toBe(true);
    expect(ns(got1.values, 're')).toEqual(Array.from({ length: 10 }, (_, n) => n));
    expect(ns(got2.values, 're')).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
  }, 20_000);

  it('a server restart that loses every token mid-stream: all confirmed, once, in order', async () => {
    const run = `restart-${Date.now()}`;
    const kiosk = make('KIOSK-KEY', { delivery: 'confirmed' });
    const display = make('DISPLAY-KEY');
    const got = record(display.command$('rs'));
    await untilStatus(display, 'ready');
    await untilStatus(kiosk, 'ready');
    const pending: Array<Promise<Outcome>> = [];
    for (let n = 0; n < 30; n++) {
      pending.push(sendNumbered(kiosk, 'rs', run, n, n % 3 === 2 ? 'rest' : 'socket', 20_000));
      if (n === 10) {
        if (server.restart) await server.restart();
        else {
          await server.revokeTokens();
          await server.disconnect('kiosk-01');
          await server.disconnect('display-01');
        }
      }
      await delay(20);
    }
    const outcomes = await Promise.all(pending);
    expect(outcomes.filter((o) => !o.receipt).map((o) => String(o.error))).toEqual([]);
    await delay(200);
    expect(ns(got.values, 'rs')).toEqual(Array.from({ length: 30 }, (_, n) => n));
  }, 30_000);

  it('a command nobody subscribes to is not confirmed; it is handed over and confirmed once somebody subscribes', async () => {
    const display = make('DISPLAY-KEY');
    const state = record(display.state$); // holds the socket, listens to no command
    await untilStatus(display, 'ready');
    const kiosk = make('KIOSK-KEY');
    const t0 = Date.now();
    const pending = sendNumbered(kiosk, 'later', 'x', 0, 'socket', 8000);
    await delay(800);
    expect(engine(display).counters.unheard).toBeGreaterThan(0);
    expect(engine(display).counters.confirmationsSent).toBe(0);
    const got = record(display.command$('later'));
    const outcome = await pending;
    expect(outcome.receipt).toMatchObject({ delivered: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    expect(ns(got.values, 'later')).toEqual([0]);
    state.sub.unsubscribe();
  }, 15_000);

  it('forged and malformed envelopes go to errors$ typed; nothing is handed over or confirmed; the streams go on', async () => {
    const display = make('DISPLAY-KEY');
    const got = record(display.messages$);
    const errors = record(display.errors$);
    await untilStatus(display, 'ready');
    const base = { 'rexsys-rx': 1, kind: 'message', epoch: 'forged', seq: 0, floor: 0, id: 'f', expires: Date.now() + 60_000, data: 1 };
    const forged = [
      { ...base, seq: '0' },
      { ...base, id: 'x'.repeat(5000) },
      { ...base, 'rexsys-rx': 99 },
      { ...base, seq: 1_000_000, floor: 0 }, // far in the future
      { ...base, expires: Date.now() - 3_600_000 }, // an hour late
    ];
    for (const data of forged) await server.inject('display-01', { command: 'door', data, sender: 'kiosk-01', receiver: 'display-01' });
    await server.inject('display-01', { command: CONFIRM_COMMAND, data: { 'rexsys-rx': 1, kind: 'confirm', epoch: 'nobody', upTo: 5 }, sender: 'kiosk-01' });
    await server.inject('display-01', { command: 'plain', data: { ok: true }, sender: 'kiosk-01' });
    await waitFor(() => got.values.length >= 1);
    expect(got.values).toEqual([expect.objectContaining({ command: 'plain', data: { ok: true } })]);
    expect(got.values[0]).not.toHaveProperty('id');
    expect(errors.values.filter((e) => e instanceof RexsysDecodeError)).toHaveLength(4);
    expect(errors.values.filter((e) => e.code === 'E_EXPIRED')).toHaveLength(1);
    expect(engine(display).counters).toMatchObject({ invalid: 4, expired: 1, handedOver: 0, confirmationsSent: 0, staleConfirmations: 1 });
    expect(engine(display).windowCount).toBeLessThanOrEqual(1);
    // A real confirmed send still works.
    const kiosk = make('KIOSK-KEY');
    const r = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'door', data: 'open' }, { delivery: 'confirmed', ttl: 5000 }));
    expect(r.delivered).toBe(true);
    await waitFor(() => got.values.some((m) => m.command === 'door'));
    expect(got.values.filter((m) => m.command === 'door').map((m) => m.data)).toEqual(['open']);
  }, 15_000);

  it('fanOut and sendTo take the option; a plain send to the same receiver passes through unchanged', async () => {
    const display = make('DISPLAY-KEY');
    const got = record(display.messages$);
    await untilStatus(display, 'ready');
    const kiosk = make('KIOSK-KEY');
    const fan = await lastValueFrom(
      kiosk.fanOut({ receivers: ['display-01', 'nobody-01'], command: 'fan', data: { a: 1 } }, { delivery: 'confirmed', ttl: 1500 }).pipe(toArray()),
    );
    expect(fan.find((r) => r.receiver === 'display-01')).toMatchObject({ ok: true, receipt: { delivered: true } });
    expect(fan.find((r) => r.receiver === 'nobody-01')).toMatchObject({ ok: false, error: { code: 'E_UNCONFIRMED' } });
    const receipts = await lastValueFrom(from([1, 2, 3]).pipe(sendTo(kiosk, { receiver: 'display-01', command: 'st', delivery: 'confirmed' }), toArray()));
    expect(receipts.map((r) => r.delivered)).toEqual([true, true, true]);
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'plain', data: { p: 1 } }));
    await waitFor(() => got.values.some((m) => m.command === 'plain'));
    expect(got.values.filter((m) => m.command === 'st').map((m) => m.data)).toEqual([1, 2, 3]);
    expect(got.values.find((m) => m.command === 'plain')).toEqual({
      command: 'plain',
      data: { p: 1 },
      sender: 'kiosk-01',
      receiver: 'display-01',
      channel: 'client',
    });
    expect(duplicates(got.values, (m) => m.id ?? m.command)).toEqual([]);
  }, 15_000);

  it('no faults: one transmission per message, at most one confirmation per message (figures reported)', async () => {
    const display = make('DISPLAY-KEY');
    const got = record(display.command$('calm'));
    await untilStatus(display, 'ready');
    // No retransmission within the test (a loaded machine may take over 1 s to confirm): one transmission each is then exact.
    // How many confirmations are coalesced depends on arrival timing: proven in virtual time (delivery-engine.spec), reported here.
    const kiosk = make('KIOSK-KEY', { delivery: 'confirmed', confirmation: { retransmitAfter: 10_000 } });
    await untilStatus(kiosk, 'ready');
    const N = 100;
    const outcomes = await Promise.all(Array.from({ length: N }, (_, n) => sendNumbered(kiosk, 'calm', 'calm', n, 'socket')));
    expect(outcomes.every((o) => o.receipt?.delivered)).toBe(true);
    expect(ns(got.values, 'calm')).toEqual(Array.from({ length: N }, (_, n) => n));
    const k = engine(kiosk).counters;
    const d = engine(display).counters;
    report(`confirmed no-faults ${name}`, {
      sent: N,
      transmissions: k.transmissions,
      confirmationsSent: d.confirmationsSent,
      wirePerDelivered: ((k.transmissions + d.confirmationsSent) / N).toFixed(2),
    });
    expect(k.transmissions).toBe(N);
    expect(d.confirmationsSent).toBeGreaterThan(0);
    expect(d.confirmationsSent).toBeLessThanOrEqual(N);
  }, 15_000);
});
