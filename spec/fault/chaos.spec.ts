/**
 * Network chaos: a TCP proxy between a kiosk and the server drops every connection at
 * random moments (seeded: cuts every 50–400 ms, a few blocked windows) while the kiosk
 * sends a stream of numbered messages to a display, over 'socket', 'auto' and 'rest'.
 *
 * Proves, against both peers: every send ends either with a receipt (and then it was
 * delivered exactly once) or with a typed RexsysError; nothing is delivered twice (at
 * the server or at the receiver); socket sends keep their FIFO order; a socket send
 * that timed out in the queue never went; the client is `ready` again once the chaos
 * stops, with its outbox empty.
 */
import { firstValueFrom } from 'rxjs';
import { RexsysError, type SendReceipt, type Via } from '../../lib/index';
import { record, untilStatus, clientFactory } from '../support/client-helpers';
import { PEERS, type Delivered, type TestServer } from '../support/servers';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { delay, waitFor } from '../support/wait';
import {
  SEED,
  countBy,
  mb,
  settledHeap,
  dataOf as dataOfDelivered,
  duplicates,
  firstDisorder,
  inner,
  prng,
  report,
  scale,
  ZERO_INTERNALS,
} from '../support/fault-kit';

type Outcome =
  | { readonly n: number; readonly asked: Via; readonly ok: true; readonly receipt: SendReceipt }
  | { readonly n: number; readonly asked: Via; readonly ok: false; readonly error: unknown };

interface ChaosData {
  readonly run: string;
  readonly n: number;
}

/** What the kiosk may fail a send with under network chaos. */
const ALLOWED_CODES = new Set(['E_OUTCOME_UNKNOWN', 'E_TIMEOUT', 'E_NETWORK']);

const dataOf = (d: Delivered) => dataOfDelivered<ChaosData>(d);

const MESSAGES = scale(240, 4000);
const TEST_TIMEOUT = scale(90_000, 1_800_000);

describe.each(PEERS)('network chaos against the %s', (name, start) => {
  let server: TestServer;
  const { make, closeAll } = clientFactory(() => server.url);

  beforeAll(async () => {
    server = await start();
  });
  afterEach(async () => {
    closeAll();
    await waitFor(async () => (await server.sessions()).length === 0, { message: 'server still has sockets after close()' });
  });
  afterAll(() => server.close());

  it(
    `${MESSAGES} numbered sends through random cuts: each delivered once or failed with a typed error, socket FIFO, ready again`,
    async () => {
      const seed = SEED + (name === 'emulator' ? 0 : 1000);
      const sendRng = prng(seed);
      const chaosRng = prng(seed + 1);
      const run = `${name}-${seed}-${Date.now()}`;
      const proxy: TcpProxy = await startTcpProxy(server.port);
      try {
        const display = make('DISPLAY-KEY');
        const got = record(display.messages$);
        await untilStatus(display, 'ready');

        const kiosk = make('KIOSK-KEY', { sendTimeout: 3000, restRetries: 3 }, proxy.url);
        const states = record(kiosk.state$);
        const errors = record(kiosk.errors$);
        const timeline: Array<{ at: number; what: string }> = [];
        const tl = [
          kiosk.state$.subscribe((s) =>
            timeline.push({ at: Date.now(), what: `${s.status}${s.lastError ? ` (${s.lastError.code}: ${s.lastError.message})` : ''}` }),
          ),
          kiosk.errors$.subscribe((e) => timeline.push({ at: Date.now(), what: `error ${e.code}: ${e.message}` })),
        ];
        await untilStatus(kiosk, 'ready');

        // The chaos: a cut every 50–400 ms; now and then a window where no connection gets through.
        const chaos = { cuts: 0, blocks: 0, blockedMs: 0 };
        let sending = true;
        const chaosDone = (async () => {
          while (sending) {
            await delay(chaosRng.int(50, 400));
            if (!sending) break;
            if (chaosRng.chance(0.08)) {
              const ms = chaosRng.int(200, 900);
              proxy.setBlocked(true);
              proxy.cut();
              chaos.blocks++;
              chaos.blockedMs += ms;
              await delay(ms);
              proxy.setBlocked(false);
            } else {
              proxy.cut();
              chaos.cuts++;
            }
          }
        })();

        const heapBefore = await settledHeap();
        const started = Date.now();
        const pending: Array<Promise<Outcome>> = [];
        for (let n = 0; n < MESSAGES; n++) {
          const asked = sendRng.pick<Via>(['socket', 'socket', 'auto', 'rest']);
          pending.push(
            firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'chaos', data: { run, n } }, { via: asked })).then(
              (receipt): Outcome => ({ n, asked, ok: true, receipt }),
              (error: unknown): Outcome => ({ n, asked, ok: false, error }),
            ),
          );
          await delay(sendRng.int(2, 40));
        }
        sending = false;
        await chaosDone;
        proxy.setBlocked(false);
        const chaosMs = Date.now() - started;

        const outcomes = await Promise.all(pending);
        const settledMs = Date.now() - started;
        const readyAt = Date.now();
        await untilStatus(kiosk, 'ready', 15_000);
        const backToReadyMs = Date.now() - readyAt;
        const heapAfter = await settledHeap();

        // Every message that reached the server has reached the (always online) display.
        const ours = async () => (await server.delivered()).filter((d) => d.command === 'chaos' && dataOf(d).run === run);
        const received = () => got.values.filter((m) => m.command === 'chaos' && (m.data as ChaosData).run === run);
        await waitFor(async () => received().length >= (await ours()).length, { timeout: 8000, message: 'the display to receive what the server delivered' });
        await delay(200); // a late duplicate would show up here
        const atServer = await ours();
        const atDisplay = received();

        const ok = outcomes.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
        const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
        const codes = Object.fromEntries(countBy(failed, (o) => (o.error instanceof RexsysError ? o.error.code : `untyped:${String(o.error)}`)));
        const serverVia = new Map(atServer.map((d) => [dataOf(d).n as number, d.via]));
        const socketOrder = atServer.filter((d) => d.via === 'socket').map((d) => dataOf(d).n as number);
        const displayOrder = atDisplay.map((m) => (m.data as ChaosData).n).filter((n) => serverVia.get(n) === 'socket');

        // The longest stretch without a logged-in socket, and what happened in it.
        let outage = { from: 0, to: 0 };
        let downSince: number | undefined;
        for (const e of timeline) {
          if (e.what === 'ready') {
            if (downSince !== undefined && e.at - downSince > outage.to - outage.from) outage = { from: downSince, to: e.at };
            downSince = undefined;
          } else if (downSince === undefined && !e.what.startsWith('error')) downSince = e.at;
        }
        tl.forEach((x) => x.unsubscribe());
        if (outage.to - outage.from > 2000) {
          report(`chaos ${name} longest outage`, {
            ms: outage.to - outage.from,
            events: timeline.filter((e) => e.at >= outage.from && e.at <= outage.to).map((e) => `+${e.at - outage.from}ms ${e.what}`),
          });
        }
        report(`chaos ${name}`, {
          longestOutageMs: outage.to - outage.from,
          seed,
          sent: MESSAGES,
          acked: ok.length,
          ackedSocket: ok.filter((o) => o.receipt.via === 'socket').length,
          ackedRest: ok.filter((o) => o.receipt.via === 'rest').length,
          unknown: failed.filter((o) => (o.error as RexsysError).code === 'E_OUTCOME_UNKNOWN').length,
          failed: codes,
          delivered: atServer.length,
          received: atDisplay.length,
          cuts: chaos.cuts,
          blocks: chaos.blocks,
          blockedMs: chaos.blockedMs,
          reconnects: states.values.filter((s) => s.status === 'reconnecting').length,
          chaosMs,
          settledMs,
          backToReadyMs,
          heapBefore: mb(heapBefore),
          heapAfter: mb(heapAfter),
        });

        // The chaos really happened, and really hit sends.
        expect(chaos.cuts).toBeGreaterThan(5);
        expect(states.values.filter((s) => s.status === 'ready').length).toBeGreaterThan(3);

        // Every rule is checked and every breach listed at once: one failure shows the whole picture.
        const describeN = (n: number) => {
          const o = outcomes[n];
          return {
            n,
            asked: o.asked,
            outcome: o.ok ? `receipt via ${o.receipt.via}` : o.error instanceof RexsysError ? `${o.error.name} ${o.error.code}` : String(o.error),
            server: atServer.filter((d) => dataOf(d).n === n).map((d) => d.via),
          };
        };
        const violations: Record<string, unknown> = {};
        const breach = (rule: string, items: unknown[]) => {
          if (items.length > 0) violations[rule] = items.length > 8 ? [...items.slice(0, 8), `… ${items.length} in all`] : items;
        };
        // Every send ended: a receipt, or a typed error with a code a network failure may give.
        breach(
          'failed without a typed network/outcome error',
          failed.filter((o) => !(o.error instanceof RexsysError) || !ALLOWED_CODES.has(o.error.code)).map((o) => describeN(o.n)),
        );
        breach(
          'errors$ emitted something untyped',
          errors.values.filter((e) => !(e instanceof RexsysError)),
        );
        // Nothing twice, anywhere.
        breach(
          'delivered twice by the server',
          duplicates(atServer, (d) => dataOf(d).n as number).map((n) => describeN(n as number)),
        );
        breach(
          'received twice by the display',
          duplicates(atDisplay, (m) => (m.data as ChaosData).n),
        );
        breach(
          'delivered with a wrong sender/receiver',
          atServer.filter((d) => d.sender !== 'kiosk-01' || d.receiver !== 'display-01'),
        );
        // The display got exactly what the server delivered.
        const serverSet = new Set(atServer.map((d) => dataOf(d).n as number));
        const displaySet = new Set(atDisplay.map((m) => (m.data as ChaosData).n));
        breach(
          'delivered but never received',
          [...serverSet].filter((n) => !displaySet.has(n)),
        );
        breach(
          'received but never delivered',
          [...displaySet].filter((n) => !serverSet.has(n)),
        );
        // A receipt means delivered, by the transport the receipt names.
        breach(
          'receipt without delivery (by that transport)',
          ok.filter((o) => serverVia.get(o.n) !== o.receipt.via).map((o) => describeN(o.n)),
        );
        // A socket send that timed out waiting for `ready` was never handed to the server.
        breach(
          "socket send timed out as 'never sent' but was delivered",
          failed.filter((o) => o.asked === 'socket' && (o.error as RexsysError).code === 'E_TIMEOUT' && serverSet.has(o.n)).map((o) => describeN(o.n)),
        );
        breach(
          "via 'socket' send delivered over REST",
          outcomes.filter((o) => o.asked === 'socket' && atServer.some((d) => dataOf(d).n === o.n && d.via === 'rest')).map((o) => describeN(o.n)),
        );
        // FIFO among delivered socket sends of one client, at the server and at the receiver.
        const serverDisorder = firstDisorder(socketOrder);
        const displayDisorder = firstDisorder(displayOrder);
        if (serverDisorder) violations['socket sends out of order at the server'] = serverDisorder;
        if (displayDisorder) violations['socket sends out of order at the display'] = displayDisorder;
        if (Object.keys(violations).length > 0) report(`chaos ${name} VIOLATIONS`, violations);
        expect(violations).toEqual({});

        // Back to normal: ready, nothing left in the outbox; a last send goes through.
        expect(kiosk.state.status).toBe('ready');
        expect(inner(kiosk).outboxQueued).toBe(0);
        expect(inner(kiosk).outboxInflight).toBe(0);
        const last = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'chaos-after', data: { run } }, { via: 'socket' }));
        expect(last.acked).toBe(true);

        states.sub.unsubscribe();
        errors.sub.unsubscribe();
        got.sub.unsubscribe();
        await waitFor(() => inner(kiosk).holders === 0 && inner(kiosk).socketListeners === 0, { message: 'the kiosk to let go of its socket' });
        expect(inner(kiosk)).toEqual(ZERO_INTERNALS);
      } finally {
        closeAll();
        await proxy.close();
      }
    },
    TEST_TIMEOUT,
  );
});
