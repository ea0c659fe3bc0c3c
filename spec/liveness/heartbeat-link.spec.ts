/**
 * The heartbeat over real sockets, on both peers: a TCP proxy black-holes the link (no
 * reset, every byte stalls, as when a kiosk's Wi-Fi drops). With { interval: 1000,
 * timeout: 1000 } the client must leave `ready` within 3.5 s with reason 'heartbeat',
 * and be `ready` again within the first backoff delay + 1 s after the network returns.
 * Three rounds in a row. The probes never reach an application's streams, not even
 * those of another client logged in as the same uid.
 */
import { filter, firstValueFrom } from 'rxjs';
import type { RexsysMessage } from '../../lib/index';
import { HEARTBEAT_COMMAND } from '../../lib/liveness/heartbeat-probe';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { PEERS, type TestServer } from '../support/servers';
import { clientFactory, record, untilStatus } from '../support/client-helpers';
import { delay, waitFor } from '../support/wait';

const FIRST_BACKOFF = 300;

describe.each(PEERS)('heartbeat against the %s through a black-holing proxy', (_name, start) => {
  let server: TestServer;
  let proxy: TcpProxy;
  const factory = clientFactory(() => proxy.url);

  beforeAll(async () => {
    server = await start();
    proxy = await startTcpProxy(server.port);
  });
  afterEach(() => factory.closeAll());
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  it('leaves ready within 3.5 s of a black hole (reason heartbeat) and is ready again within the first backoff + 1 s after it ends, three times', async () => {
    const kiosk = factory.make('KIOSK-KEY', {
      heartbeat: { interval: 1000, timeout: 1000 },
      connectTimeout: 1000,
      backoff: { initialDelay: FIRST_BACKOFF, maxDelay: FIRST_BACKOFF, jitter: 0 },
    });
    const states = record(kiosk.state$);
    const rounds: Array<{ leftReadyMs: number; readyAgainMs: number }> = [];
    try {
      await untilStatus(kiosk, 'ready');
      for (let round = 0; round < 3; round++) {
        await untilStatus(kiosk, 'ready');
        const holed = Date.now();
        proxy.setBlackHole(true);
        const lost = await firstValueFrom(kiosk.state$.pipe(filter((s) => s.status !== 'ready')));
        const leftReadyMs = Date.now() - holed;
        expect(lost).toMatchObject({ status: 'reconnecting', reason: 'heartbeat' });
        expect(leftReadyMs).toBeLessThan(3500);
        await delay(1200); // stays out a while: attempts stall and time out meanwhile
        const back = Date.now();
        proxy.setBlackHole(false);
        await untilStatus(kiosk, 'ready', 5000);
        const readyAgainMs = Date.now() - back;
        expect(readyAgainMs).toBeLessThan(FIRST_BACKOFF + 1000);
        rounds.push({ leftReadyMs, readyAgainMs });
      }
      // A figure, not an assertion beyond the bounds above.
      console.log(`[heartbeat] ${_name}: ${JSON.stringify(rounds)}`);
    } finally {
      proxy.setBlackHole(false);
      states.sub.unsubscribe();
    }
  });

  it('answered probes publish round trips, and no probe reaches messages$, command$ or another client of the same uid', async () => {
    const a = factory.make('KIOSK-KEY', { heartbeat: { interval: 200, timeout: 1000 } });
    const twin = factory.make('KIOSK-KEY', { heartbeat: false });
    const display = factory.make('DISPLAY-KEY', { heartbeat: false });
    const seen: RexsysMessage[] = [];
    const subs = [
      a.messages$.subscribe((m) => seen.push(m)),
      a.command$(HEARTBEAT_COMMAND).subscribe((m) => seen.push(m)),
      twin.messages$.subscribe((m) => seen.push(m)),
      display.messages$.subscribe((m) => seen.push(m)),
    ];
    try {
      await Promise.all([untilStatus(a, 'ready'), untilStatus(twin, 'ready'), untilStatus(display, 'ready')]);
      await waitFor(() => a.metrics().heartbeat.probes >= 3, { timeout: 5000, message: 'three answered probes' });
      // The server really routed them back to kiosk-01 (both of its sockets); the clients dropped them.
      const routed = (await server.delivered()).filter((d) => d.command === HEARTBEAT_COMMAND);
      expect(routed.length).toBeGreaterThanOrEqual(3);
      expect(routed.every((d) => d.receiver === 'kiosk-01' && d.sender === 'kiosk-01')).toBe(true);
      const hb = a.metrics().heartbeat;
      expect(hb.last).toBeGreaterThanOrEqual(0);
      expect(hb.p50).toBeLessThanOrEqual(hb.max as number);
      expect(seen).toEqual([]);
    } finally {
      subs.forEach((s) => s.unsubscribe());
    }
  });

  it('a busy sender whose only traffic is acks is not declared dead (acks prove the link)', async () => {
    const kiosk = factory.make('KIOSK-KEY', { heartbeat: { interval: 100, timeout: 250 }, outboxSize: 5000 }, server.url);
    const display = factory.make('DISPLAY-KEY', { heartbeat: false }, server.url);
    const lost = record(kiosk.events$.pipe(filter((e) => e.type === 'disconnected')));
    const got = record(display.command$('burst'));
    await Promise.all([untilStatus(kiosk, 'ready'), untilStatus(display, 'ready')]);
    const N = 3000;
    const receipts = await Promise.all(
      Array.from({ length: N }, (_, n) =>
        firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'burst', data: { n } }, { via: 'socket', timeout: 60_000 })),
      ),
    );
    expect(receipts).toHaveLength(N);
    expect(lost.values).toEqual([]);
    await waitFor(() => got.values.length === N, { timeout: 20_000, message: 'every burst message' });
  }, 60_000);
});
