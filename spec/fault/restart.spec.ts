/**
 * A server restart that loses every token (python peer: the process is killed and
 * started again on the same port; emulator: revokeTokens() and a server-side
 * disconnect of every client) while socket sends wait in the kiosk's outbox.
 *
 * Proves: productkey clients find their token refused, certify again (once per
 * refusal, no hot loop) and log in; the queued sends go out only after the new login
 * (none dropped as "not logged in"), each exactly once, in order.
 */
import { firstValueFrom } from 'rxjs';
import { RexsysAuthError, type RexsysClient, type SendReceipt } from '../../lib/index';
import { record, untilStatus, clientFactory } from '../support/client-helpers';
import { PEERS, type TestServer } from '../support/servers';
import { startTcpProxy } from '../support/tcp-proxy';
import { delay, waitFor } from '../support/wait';
import { SEED, dataOf, duplicates, inner, mb, report, scale, settledHeap } from '../support/fault-kit';

const ROUNDS = scale(2, 10);
const QUEUED = scale(30, 200);

describe.each(PEERS)('server restart that loses every token, against the %s', (name, start) => {
  let server: TestServer;
  const { make, closeAll } = clientFactory(() => server.url, { sendTimeout: 20_000, outboxSize: QUEUED * 2 });
  /** Every token lost and every client thrown out, as a restart does. */
  const restart = async () => {
    if (server.restart) {
      await server.restart();
    } else {
      await server.revokeTokens();
      await server.disconnect('kiosk-01');
      await server.disconnect('display-01');
    }
  };
  const sent = (c: RexsysClient, command: string, n: number) =>
    firstValueFrom(c.send({ receiver: 'display-01', command, data: { n } }, { via: 'socket' })).then(
      (receipt): SendReceipt | Error => receipt,
      (e: Error) => e,
    );

  beforeAll(async () => {
    server = await start();
  });
  afterEach(async () => {
    closeAll();
    await waitFor(async () => (await server.sessions()).length === 0, { message: 'server still has sockets after close()' });
  });
  afterAll(() => server.close());

  it(
    `queued socket sends are delivered once, in order, after the re-certified login (${ROUNDS} restarts × ${QUEUED} sends)`,
    async () => {
      const proxy = await startTcpProxy(server.port);
      try {
        const display = make('DISPLAY-KEY');
        const got = record(display.messages$);
        const displayErrors = record(display.errors$);
        const kiosk = make('KIOSK-KEY', {}, proxy.url);
        const states = record(kiosk.state$);
        const errors = record(kiosk.errors$);
        await untilStatus(display, 'ready');
        await untilStatus(kiosk, 'ready');

        for (let round = 0; round < ROUNDS; round++) {
          const command = `restart-${SEED}-${round}`;
          const before = { sid: kiosk.state.sid, displaySid: display.state.sid, errors: errors.values.length, states: states.values.length };
          const heapBefore = await settledHeap();
          const t0 = Date.now();
          // The kiosk's network is held back so the display is surely online when the kiosk's queue goes.
          proxy.setBlocked(true);
          await restart();
          await waitFor(() => kiosk.state.status !== 'ready' && display.state.status !== 'ready', {
            timeout: 8000,
            message: 'both clients to notice the restart',
          });

          const results = Array.from({ length: QUEUED }, (_, n) => sent(kiosk, command, n));
          expect(inner(kiosk).outboxQueued).toBe(QUEUED);
          await waitFor(() => display.state.status === 'ready' && display.state.sid !== before.displaySid, {
            timeout: 15_000,
            message: 'the display to log in again',
          });
          await delay(100);
          expect((await server.delivered()).filter((d) => d.command === command)).toHaveLength(0); // nothing went before the kiosk's new login

          proxy.setBlocked(false);
          const receipts = await Promise.all(results);
          const tookMs = Date.now() - t0;
          await waitFor(() => got.values.filter((m) => m.command === command).length >= QUEUED, { timeout: 8000, message: 'the display to receive the queue' });
          await delay(200); // a duplicate would show up here

          const atServer = (await server.delivered()).filter((d) => d.command === command);
          const atDisplay = got.values.filter((m) => m.command === command);
          const dropped = (await server.dropped()).filter((d) => d.command === command);
          const roundErrors = errors.values.slice(before.errors);
          const roundStates = states.values.slice(before.states).map((s) => s.status);
          report(`restart ${name} round ${round}`, {
            queued: QUEUED,
            acked: receipts.filter((r) => !(r instanceof Error) && r.acked).length,
            delivered: atServer.length,
            received: atDisplay.length,
            dropped: dropped.length,
            kioskErrors: roundErrors.map((e) => e.code),
            reconnects: roundStates.filter((s) => s === 'reconnecting').length,
            tookMs,
            heapBefore: mb(heapBefore),
            heapAfter: mb(await settledHeap()),
          });

          expect(receipts.filter((r) => r instanceof Error)).toEqual([]);
          expect(receipts.every((r) => (r as SendReceipt).via === 'socket' && (r as SendReceipt).acked)).toBe(true);
          const expected = Array.from({ length: QUEUED }, (_, n) => n);
          expect(atServer.map((d) => dataOf<{ n: number }>(d).n)).toEqual(expected);
          expect(atServer.every((d) => d.via === 'socket' && d.sender === 'kiosk-01')).toBe(true);
          expect(atDisplay.map((m) => (m.data as { n: number }).n)).toEqual(expected);
          expect(dropped).toEqual([]); // in particular, none as "not logged in"

          // The old token was refused once and the kiosk certified again (not final), then logged in on a new socket.
          const refusals = roundErrors.filter((e) => e.code === 'E_LOGIN_REFUSED');
          expect(refusals).toHaveLength(1);
          expect((refusals[0] as RexsysAuthError).final).toBe(false);
          expect(roundErrors.some((e) => e.code === 'E_CERTIFY_REFUSED')).toBe(false);
          expect(kiosk.state.status).toBe('ready');
          expect(kiosk.state.sid).not.toBe(before.sid);
          expect(roundStates.filter((s) => s === 'reconnecting').length).toBeLessThan(40); // backoff, not a hot loop
          expect(inner(kiosk).outboxQueued + inner(kiosk).outboxInflight).toBe(0);
        }
        expect(duplicates(got.values, (m) => `${m.command}/${(m.data as { n: number }).n}`)).toEqual([]);
        expect(displayErrors.values.filter((e) => e.code === 'E_LOGIN_REFUSED').length).toBeLessThanOrEqual(ROUNDS);
        [got, displayErrors, states, errors].forEach((r) => r.sub.unsubscribe());
      } finally {
        closeAll();
        await proxy.close();
      }
    },
    scale(60_000, 600_000),
  );

  it(
    `with no help on ordering, each queued send is acked and ends delivered or dropped as "receiver offline", once (${ROUNDS} restarts)`,
    async () => {
      const display = make('DISPLAY-KEY');
      const got = record(display.messages$);
      const kiosk = make('KIOSK-KEY');
      const hold = kiosk.state$.subscribe();
      await untilStatus(display, 'ready');
      await untilStatus(kiosk, 'ready');
      for (let round = 0; round < ROUNDS; round++) {
        const prefix = `race-${SEED}-${round}-`;
        const before = kiosk.state.sid;
        await restart();
        await waitFor(() => kiosk.state.status !== 'ready', { timeout: 8000, message: 'the kiosk to notice the restart' });
        const results = Array.from({ length: QUEUED }, (_, n) => sent(kiosk, `${prefix}${n}`, n));
        const receipts = await Promise.all(results);
        await untilStatus(display, 'ready', 15_000);
        await delay(300);
        const delivered = (await server.delivered()).filter((d) => d.command.startsWith(prefix));
        const dropped = (await server.dropped()).filter((d) => d.command?.startsWith(prefix));
        const received = got.values.filter((m) => m.command.startsWith(prefix));
        report(`restart ${name} race round ${round}`, {
          queued: QUEUED,
          delivered: delivered.length,
          droppedOffline: dropped.length,
          received: received.length,
        });
        expect(receipts.filter((r) => r instanceof Error)).toEqual([]);
        expect(kiosk.state.sid).not.toBe(before);
        expect(dropped.filter((d) => d.reason !== 'receiver offline')).toEqual([]);
        // Each send accounted for exactly once: delivered or dropped for want of a receiver.
        const outcomes = [...delivered.map((d) => d.command), ...dropped.map((d) => d.command as string)].sort();
        expect(outcomes).toEqual(Array.from({ length: QUEUED }, (_, n) => `${prefix}${n}`).sort());
        expect(received.map((m) => m.command).sort()).toEqual(delivered.map((d) => d.command).sort());
        // And in order, among those delivered.
        const order = delivered.map((d) => dataOf<{ n: number }>(d).n as number);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
      hold.unsubscribe();
      got.sub.unsubscribe();
    },
    scale(60_000, 600_000),
  );
});
