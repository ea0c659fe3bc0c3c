/**
 * Restarts in virtual time (no sleeps): a sender and a receiver on lossy, duplicating,
 * reordering links (spec/delivery's SimNetwork), each with a store, restarted several
 * times at random moments while messages flow. Every message is handed to the
 * receiving application exactly once and in send order, across every restart; nothing
 * is lost; the stores end empty of sends.
 */
import { DeliveryEngine } from '../../lib/delivery/delivery-engine';
import { memoryStore } from '../../lib/store/memory-store';
import type { RexsysStore, StoreConnection } from '../../lib/store/types';
import { SimNetwork, type SimClient } from '../delivery/support/sim-network';
import { SEED, prng } from '../support/fault-kit';

const engineFor = (net: SimNetwork, c: SimClient): DeliveryEngine => (net as unknown as { engineFor(c: SimClient): DeliveryEngine }).engineFor(c);

function withStore(net: SimNetwork, c: SimClient, store: RexsysStore): void {
  c.engine.dispose();
  c.engine = engineFor(net, c);
  c.engine.attachStore(store);
}

it.each([0, 1, 2, 3, 4])('sender restarted 3× and receiver 2× under 20 %% loss, duplicates and reordering (run %i): exactly once, in order', (run) => {
  const rnd = prng(SEED + 1500 + run);
  const net = new SimNetwork(SEED + run, { loss: 0.2, duplicate: 0.1, latency: [1, 40] }, { retransmitAfter: 200, maxProbeInterval: 800, ttl: 600_000 });
  const kiosk = net.add('kiosk');
  const display = net.add('display');
  const kioskStore = memoryStore();
  const displayStore = memoryStore();
  withStore(net, kiosk, kioskStore);
  withStore(net, display, displayStore);
  const N = 120;
  const closed: number[] = [];
  for (let n = 0; n < N; n++) {
    net.at(n * 25, () =>
      kiosk.engine
        .send('display', 'n', { n }, { via: 'auto', timeout: 5000 })
        .subscribe({ error: (e: { code?: string }) => e.code === 'E_CLOSED' && closed.push(n) }),
    );
  }
  const restarts = [
    ...[0, 1, 2].map(() => ({ at: rnd.int(1, N * 25), who: kiosk, store: kioskStore })),
    ...[0, 1].map(() => ({ at: rnd.int(1, N * 25), who: display, store: displayStore })),
  ];
  for (const r of restarts) net.at(r.at, () => withStore(net, r.who, r.store));
  net.run(N * 25 + 120_000);
  const got = display.received.map((m) => (m.data as { n: number }).n);
  expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
  expect(new Set(display.received.map((m) => m.id)).size).toBe(N);
  expect(closed.length).toBeGreaterThan(0); // the restarts did cut pending sends off their subscribers
  expect(kiosk.engine.pendingCount).toBe(0);
  kiosk.engine.dispose();
  expect((kioskStore.open({ report: () => undefined, now: () => 0 }) as StoreConnection).snapshot.sends).toEqual([]);
});
