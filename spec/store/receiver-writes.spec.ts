/**
 * The receiver's store writes, in virtual time with a recording store (no sleeps):
 * messages that arrive one per turn cost one window write per turn, off the receive
 * path; a burst handled in one turn records, before each hand-over, every hand-over
 * before it (so a crash at any point re-delivers at most the message in hand); and
 * the store knows a position before any confirmation of it goes out.
 */
import { Observable, VirtualTimeScheduler } from 'rxjs';
import { DeliveryEngine } from '../../lib/delivery/delivery-engine';
import { resolveDeliveryOptions } from '../../lib/delivery/delivery-options';
import { CONFIRM_COMMAND, messageEnvelope } from '../../lib/delivery/envelope';
import type { RexsysMessage } from '../../lib/protocol/codecs';
import type { SendReceipt } from '../../lib/client/types';
import { sendJson } from '../../lib/store/records';
import type { RexsysStore, StoreChange } from '../../lib/store/types';

function setup() {
  const scheduler = new VirtualTimeScheduler();
  const writes: StoreChange[][] = [];
  const recorded = () => {
    let next = -1;
    for (const batch of writes) for (const c of batch) if (c.op === 'window') next = c.window.next;
    return next;
  };
  const events: string[] = [];
  const store: RexsysStore = {
    name: 'recording',
    limits: { maxEntries: 100, maxBytes: 1e6 },
    open: () => ({ snapshot: { sends: [], windows: [] }, write: (c) => writes.push([...c]), flush: () => Promise.resolve(), close: () => undefined }),
  };
  const handed: number[] = [];
  const engine = new DeliveryEngine(
    {
      transmit: (_r, command, data) =>
        new Observable<SendReceipt>((s) => {
          if (command === CONFIRM_COMMAND) events.push(`confirm ${(data as { upTo: number }).upTo} (store at ${recorded()})`);
          s.complete();
        }),
      handOver: (m) => {
        handed.push((m.data as { n: number }).n);
        events.push(`hand ${(m.data as { n: number }).n} (store at ${recorded()})`);
        return true;
      },
      hold: () => () => undefined,
      uid: () => 'me',
      now: () => scheduler.now() + 1_000_000,
      scheduler,
      report: () => undefined,
    },
    resolveDeliveryOptions({}),
  );
  engine.attachStore(store);
  scheduler.flush(); // restore
  const msg = (seq: number): RexsysMessage => ({
    command: 'n',
    sender: 'kiosk',
    receiver: 'me',
    channel: 'client',
    data: messageEnvelope({ epoch: 'K', seq, floor: 0, id: `id${seq}`, expires: 2_000_000, data: { n: seq } }),
  });
  return { scheduler, engine, writes, events, handed, msg, recorded };
}

it('a burst in one turn: before each hand-over the ones before it are recorded; the store knows it before the confirmation goes', async () => {
  const { scheduler, engine, events, handed, msg, recorded } = setup();
  // Arrive out of order, in one turn: 1..4 wait for 0, then all go at once; then 5 and 6.
  for (const seq of [1, 2, 3, 4, 0, 5, 6]) engine.receive(msg(seq));
  expect(handed).toEqual([0, 1, 2, 3, 4, 5, 6]);
  expect(events.filter((e) => e.startsWith('hand'))).toEqual([
    'hand 0 (store at -1)',
    'hand 1 (store at 1)',
    'hand 2 (store at 2)',
    'hand 3 (store at 3)',
    'hand 4 (store at 4)',
    'hand 5 (store at 5)',
    'hand 6 (store at 6)',
  ]);
  await Promise.resolve(); // the end of the turn
  expect(recorded()).toBe(7);
  scheduler.flush();
  expect(events.filter((e) => e.startsWith('confirm'))).toEqual(['confirm 7 (store at 7)']);
});

it('one message per turn: one window write per turn, after the hand-over (off the receive path)', async () => {
  const { scheduler, engine, writes, msg } = setup();
  for (let seq = 0; seq < 5; seq++) {
    engine.receive(msg(seq));
    expect(writes.length).toBe(seq); // nothing written inside receive
    await Promise.resolve();
    expect(writes.length).toBe(seq + 1);
    scheduler.flush();
  }
  expect(writes.every((w) => w.length === 1 && w[0].op === 'window')).toBe(true);
});

it("a new send's change carries the JSON its size was measured by (the file store writes it as is, not serialising the data again)", () => {
  const { engine, writes } = setup();
  const sub = new Observable<SendReceipt>((to) => engine.start(to, 'display', 'show', { n: 1, text: '한국어' }, { via: 'socket', timeout: 0 })).subscribe({
    error: () => undefined,
  });
  const sends = writes.flat().filter((c) => c.op === 'send');
  expect(sends).toHaveLength(1);
  const [change] = sends as Array<Extract<StoreChange, { op: 'send' }>>;
  expect(change.json).toBe(sendJson(change.send));
  sub.unsubscribe();
});
