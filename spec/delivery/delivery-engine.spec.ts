/**
 * The delivery engine end to end in virtual time (SimNetwork): two or more engines
 * joined by a lossy, duplicating, reordering link. Unit scenarios for each rule, then
 * fast-check properties over random faults, outages and send schedules.
 */
import * as fc from 'fast-check';
import { firstValueFrom, lastValueFrom, type Subscription } from 'rxjs';
import { RexsysError } from '../../lib/errors';
import type { SendReceipt } from '../../lib/client/types';
import { CONFIRM_COMMAND, messageEnvelope } from '../../lib/delivery/envelope';
import { SimNetwork, type SimClient } from './support/sim-network';
import { SEED } from '../support/fault-kit';

// One fixed seed per run (REXSYS_SEED replays another), so CI runs are reproducible.
fc.configureGlobal({ seed: SEED });

interface Outcome {
  readonly n: number;
  receipt?: SendReceipt;
  error?: unknown;
}

/** Sends `count` numbered messages from a to b at the given virtual times; records outcomes. */
function sendAll(net: SimNetwork, from: SimClient, to: string, times: readonly number[], ttl?: number): Outcome[] {
  const outcomes: Outcome[] = [];
  times.forEach((at, n) => {
    const outcome: Outcome = { n };
    outcomes.push(outcome);
    net.at(at, () => {
      from.engine.send(to, 'num', { n }, { via: 'auto', ttl, timeout: 10_000 }).subscribe({
        next: (r) => (outcome.receipt = r),
        error: (e: unknown) => (outcome.error = e),
      });
    });
  });
  return outcomes;
}

const numbers = (c: SimClient) => c.received.filter((m) => m.command === 'num').map((m) => (m.data as { n: number }).n);
const transmissionsTo = (net: SimNetwork, to: string, from = 0, until = Infinity) =>
  net.wire.filter((w) => w.to === to && w.command !== CONFIRM_COMMAND && w.at >= from && w.at < until).length;

describe('delivery engine (virtual time)', () => {
  it('confirms a message once the receiver handed it over; the receipt carries id and delivered', () => {
    const net = new SimNetwork(1);
    const a = net.add('a');
    const b = net.add('b');
    const [o] = sendAll(net, a, 'b', [0]);
    net.run();
    expect(o.receipt).toMatchObject({ receiver: 'b', command: 'num', delivered: true });
    expect(b.received).toEqual([{ command: 'num', data: { n: 0 }, sender: 'a', receiver: 'b', channel: 'client', id: o.receipt!.id }]);
    // One message, one confirmation.
    expect(net.wire.map((w) => w.command)).toEqual(['num', CONFIRM_COMMAND]);
  });

  it('passes plain messages through untouched', () => {
    const net = new SimNetwork(2);
    const b = net.add('b');
    expect(b.engine.receive({ command: 'show', data: { url: '/a' }, sender: 'x' })).toBe(false);
    expect(b.engine.receive({ command: 'show', data: 'text' })).toBe(false);
    expect(b.engine.receive({ command: 'show', data: { 'rexsys-rx-not': 1 } })).toBe(false);
  });

  it('coalesces confirmations: 50 messages in a burst, a handful of confirmations', () => {
    const net = new SimNetwork(3, { latency: [1, 3] });
    const a = net.add('a');
    net.add('b');
    const outcomes = sendAll(
      net,
      a,
      'b',
      Array.from({ length: 50 }, () => 0),
    );
    net.run();
    expect(outcomes.every((o) => o.receipt?.delivered)).toBe(true);
    const confirms = net.wire.filter((w) => w.command === CONFIRM_COMMAND).length;
    expect(confirms).toBeLessThanOrEqual(3);
    expect(transmissionsTo(net, 'b')).toBe(50);
  });

  it('a one-at-a-time sender is confirmed at once, not after confirmDelay: nothing else was pending to wait for', () => {
    const net = new SimNetwork(11, { latency: [1, 1] }, { confirmDelay: 50 });
    const a = net.add('a');
    net.add('b');
    const receipts: number[] = [];
    const next = (n: number): void => {
      if (n === 10) return;
      a.engine.send('b', 'num', { n }, { via: 'auto', timeout: 10_000 }).subscribe(() => {
        receipts.push(net.now());
        next(n + 1);
      });
    };
    net.at(0, () => next(0));
    net.run();
    // 1 ms there, 1 ms back, each (with confirmDelay's 50 ms it would be 50 ms apart).
    expect(receipts).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(net.wire.filter((w) => w.command === CONFIRM_COMMAND)).toHaveLength(10);
  });

  it('a sender with several in flight is confirmed once half of them are handed over, not after confirmDelay', () => {
    const net = new SimNetwork(12, { latency: [1, 4] }, { confirmDelay: 50 });
    const a = net.add('a');
    const b = net.add('b');
    let sent = 0;
    let confirmed = 0;
    const next = (): void => {
      if (sent === 80) return;
      a.engine.send('b', 'num', { n: sent++ }, { via: 'auto', timeout: 10_000 }).subscribe(() => {
        confirmed++;
        next();
      });
    };
    net.at(0, () => {
      for (let i = 0; i < 8; i++) next(); // 8 in flight
    });
    net.run();
    expect(confirmed).toBe(80);
    expect(numbers(b)).toEqual(Array.from({ length: 80 }, (_, n) => n));
    // Ten rounds of 8, each about a round trip (2–8 ms), not confirmDelay (50 ms: 346 ms in all); at most two confirmations a round.
    expect(net.now()).toBeLessThanOrEqual(100);
    expect(net.wire.filter((w) => w.command === CONFIRM_COMMAND).length).toBeLessThanOrEqual(20);
  });

  it('ttl: a receiver that never answers → E_UNCONFIRMED at the deadline, probing (not the backlog) meanwhile', () => {
    const net = new SimNetwork(4, {}, { retransmitAfter: 1000, maxProbeInterval: 8000 });
    const a = net.add('a');
    const b = net.add('b');
    b.online = false;
    const outcomes = sendAll(
      net,
      a,
      'b',
      Array.from({ length: 100 }, () => 0),
      30_000,
    );
    net.run();
    for (const o of outcomes) {
      expect(o.error).toBeInstanceOf(RexsysError);
      expect(o.error).toMatchObject({ code: 'E_UNCONFIRMED', name: 'RexsysSendError' });
    }
    expect((outcomes[0].error as Error).message).toMatch(/not confirmed by the receiving client within 30000 ms/);
    expect(net.now()).toBe(30_000);
    // 100 first sends, then only the head: at 1 s, 3 s, 7 s, 15 s, 23 s.
    expect(transmissionsTo(net, 'b')).toBe(105);
    expect(a.engine.pendingCount).toBe(0);
    expect(a.engine.activeCount).toBe(0);
  });

  it('a receiver offline for 20 s gets everything once, in order; traffic while offline is a backed-off probe', () => {
    const net = new SimNetwork(5, {}, { retransmitAfter: 500, maxProbeInterval: 4000 });
    const a = net.add('a');
    const b = net.add('b');
    net.at(1000, () => (b.online = false));
    net.at(21_000, () => (b.online = true));
    const times = Array.from({ length: 200 }, (_, i) => i * 50); // 0 … 9950 ms
    const outcomes = sendAll(net, a, 'b', times);
    net.run();
    expect(outcomes.every((o) => o.receipt?.delivered)).toBe(true);
    expect(numbers(b)).toEqual(times.map((_, i) => i));
    // While offline: the sends made then (first transmission, until silence is noticed), then probes only.
    const probesLate = transmissionsTo(net, 'b', 12_000, 21_000);
    expect(probesLate).toBeLessThanOrEqual(3);
  });

  it('a receiver that logs in again tells its senders: the probe goes at once, not at the end of its backoff', () => {
    // Probes at 1.2, 3.2, 7.2, 15.2, 23.2 s: without the announcement the second message waits for the 23.2 s probe.
    const times: number[] = [];
    for (const announce of [false, true]) {
      const net = new SimNetwork(18, {}, { retransmitAfter: 1000, maxProbeInterval: 8000 });
      const a = net.add('a');
      const b = net.add('b');
      sendAll(net, a, 'b', [0]);
      net.run(100);
      b.online = false;
      const outcomes = sendAll(net, a, 'b', [200, 300], 120_000);
      net.at(20_000, () => {
        b.online = true;
        if (announce) b.engine.online();
      });
      net.run();
      expect(outcomes.every((o) => o.receipt?.delivered)).toBe(true);
      expect(numbers(b)).toEqual([0, 0, 1]);
      times.push(net.wire.filter((w) => w.to === 'b' && w.arrived && w.command === 'num').pop()!.at);
    }
    expect(times[0]).toBeGreaterThan(23_000);
    expect(times[1]).toBeLessThan(20_050);
  });

  it('exactly once and in order with 30% loss, duplicates and reordering on the link', () => {
    const net = new SimNetwork(6, { loss: 0.3, duplicate: 0.3, latency: [1, 400] }, { retransmitAfter: 300 });
    const a = net.add('a');
    const b = net.add('b');
    const outcomes = sendAll(
      net,
      a,
      'b',
      Array.from({ length: 300 }, (_, i) => i * 7),
    );
    net.run();
    expect(outcomes.filter((o) => !o.receipt).map((o) => o.n)).toEqual([]);
    expect(numbers(b)).toEqual(outcomes.map((o) => o.n));
    expect(b.engine.counters.duplicates).toBeGreaterThan(0);
  });

  it('a message given up (ttl) does not block the ones after it', () => {
    const net = new SimNetwork(7, {}, { retransmitAfter: 200 });
    const a = net.add('a');
    const b = net.add('b');
    // The first message alone is lost in every copy until it expires; the rest go through.
    let first = true;
    const transmit = (a.engine as unknown as { host: { transmit: (...args: unknown[]) => unknown } }).host.transmit;
    (a.engine as unknown as { host: { transmit: (...args: unknown[]) => unknown } }).host.transmit = (...args: unknown[]) => {
      const env = args[2] as { seq?: number };
      if (first && env.seq === 0) return transmit('a', 'nobody', 'num', env, 'auto', 1);
      return transmit(...args);
    };
    const [o0] = sendAll(net, a, 'b', [0], 2000);
    const rest = sendAll(net, a, 'b', [10, 20, 30], 60_000);
    net.run(1900);
    expect(numbers(b)).toEqual([]); // held behind seq 0
    expect(b.engine.counters.handedOver).toBe(0);
    net.run(2100);
    first = false;
    net.run();
    expect(o0.error).toMatchObject({ code: 'E_UNCONFIRMED' });
    expect(rest.every((o) => o.receipt?.delivered)).toBe(true);
    expect(numbers(b)).toEqual([0, 1, 2].map((n) => n)); // the three later ones, in order (their n is 0,1,2 of that batch)
  });

  it('never confirms a message nobody listens to; confirms it once a subscriber comes', () => {
    const net = new SimNetwork(8, {}, { retransmitAfter: 200 });
    const a = net.add('a');
    const b = net.add('b');
    b.listening = false;
    const [o] = sendAll(net, a, 'b', [0], 10_000);
    net.run(3000);
    expect(o.receipt).toBeUndefined();
    expect(net.wire.filter((w) => w.command === CONFIRM_COMMAND)).toEqual([]);
    expect(b.engine.counters.unheard).toBeGreaterThan(0);
    b.listening = true;
    net.run();
    expect(o.receipt?.delivered).toBe(true);
    expect(numbers(b)).toEqual([0]);
  });

  it('a receiver that dies holding a message in its reorder buffer has not confirmed it; after a restart it gets it once', () => {
    const net = new SimNetwork(9, {}, { retransmitAfter: 300 });
    const a = net.add('a');
    const b = net.add('b');
    // seq 0 lost once; seq 1 arrives and waits in the buffer.
    let drop = true;
    const host = (a.engine as unknown as { host: { transmit: (...args: unknown[]) => unknown } }).host;
    const transmit = host.transmit;
    host.transmit = (...args: unknown[]) =>
      (args[2] as { seq?: number }).seq === 0 && drop ? ((drop = false), transmit('a', 'nobody', 'x', {}, 'auto', 1)) : transmit(...args);
    const outcomes = sendAll(net, a, 'b', [0, 1], 20_000);
    net.run(100);
    expect(net.wire.filter((w) => w.command === CONFIRM_COMMAND)).toEqual([]);
    b.restart();
    net.run();
    expect(outcomes.every((o) => o.receipt?.delivered)).toBe(true);
    expect(numbers(b)).toEqual([0, 1]);
  });

  it('a sender restart is a new sequence (new epoch), never taken for duplicates of the old one', () => {
    const net = new SimNetwork(10);
    const a = net.add('a');
    const b = net.add('b');
    const first = sendAll(net, a, 'b', [0, 1, 2]);
    net.run();
    const oldEpoch = a.engine.epoch;
    a.restart();
    expect(a.engine.epoch).not.toBe(oldEpoch);
    const second = sendAll(net, a, 'b', [net.now() + 1, net.now() + 2]);
    net.run();
    expect([...first, ...second].every((o) => o.receipt?.delivered)).toBe(true);
    expect(numbers(b)).toEqual([0, 1, 2, 0, 1]);
    expect(b.engine.windowCount).toBe(2);
  });

  it('unsubscribing gives a send up: it is not sent again and does not block later ones', () => {
    const net = new SimNetwork(11, {}, { retransmitAfter: 200 });
    const a = net.add('a');
    const b = net.add('b');
    b.online = false;
    let sub: Subscription | undefined;
    net.at(0, () => (sub = a.engine.send('b', 'num', { n: 0 }, { via: 'auto', timeout: 1000 }).subscribe()));
    const later = sendAll(net, a, 'b', [5], 60_000);
    net.run(1000);
    sub!.unsubscribe();
    b.online = true;
    net.run();
    expect(later[0].receipt?.delivered).toBe(true);
    expect(numbers(b)).toEqual([0]); // only the later one (its n is 0 too): the given-up one never shows
    expect(b.received).toHaveLength(1);
  });

  it('expiry on arrival: a message later than its deadline + skew tolerance is dropped, reported, not confirmed', () => {
    // b's clock is 20 s ahead of a's; tolerance 10 s.
    const net = new SimNetwork(12, {}, { skewTolerance: 10_000, retransmitAfter: 500 }, { b: 20_000 });
    const a = net.add('a');
    const b = net.add('b');
    const late = sendAll(net, a, 'b', [0], 5_000);
    net.run();
    expect(late[0].error).toMatchObject({ code: 'E_UNCONFIRMED' });
    expect(b.received).toEqual([]);
    expect(b.errors[0]).toMatchObject({ code: 'E_EXPIRED', name: 'RexsysSendError' });
    // Within the tolerance it is handed over.
    const net2 = new SimNetwork(13, {}, { skewTolerance: 10_000 }, { b: 8_000 });
    const a2 = net2.add('a');
    const b2 = net2.add('b');
    const ok = sendAll(net2, a2, 'b', [0], 5_000);
    net2.run();
    expect(ok[0].receipt?.delivered).toBe(true);
    expect(numbers(b2)).toEqual([0]);
  });

  it('dispose fails pending sends with E_CLOSED and leaves no timers', () => {
    const net = new SimNetwork(14);
    const a = net.add('a');
    const b = net.add('b');
    b.online = false;
    const outcomes = sendAll(net, a, 'b', [0, 1]);
    net.run(3000);
    a.engine.dispose();
    expect(outcomes.map((o) => (o.error as RexsysError).code)).toEqual(['E_CLOSED', 'E_CLOSED']);
    expect(a.engine.activeCount).toBe(0);
    return expect(firstValueFrom(a.engine.send('b', 'x', 1, { via: 'auto', timeout: 1 }))).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('a subscriber that closes the client inside its receipt leaves nothing running', () => {
    const net = new SimNetwork(19, {}, { window: 2 });
    const a = net.add('a');
    net.add('b');
    const errors: unknown[] = [];
    net.at(0, () => {
      a.engine.send('b', 'num', { n: 0 }, { via: 'auto', timeout: 1000 }).subscribe(() => a.engine.dispose());
      for (let n = 1; n < 5; n++) a.engine.send('b', 'num', { n }, { via: 'auto', timeout: 1000 }).subscribe({ error: (e: unknown) => errors.push(e) });
    });
    net.run();
    expect(a.engine.activeCount).toBe(0);
    expect(errors.map((e) => (e as RexsysError).code)).toEqual(['E_CLOSED', 'E_CLOSED', 'E_CLOSED', 'E_CLOSED']);
  });

  it('the receiver forgets idle senders and holds at most maxSenders windows', () => {
    const net = new SimNetwork(15, {}, { maxSenders: 3, senderIdleExpiry: 60_000 });
    const b = net.add('b');
    const senders = ['s1', 's2', 's3', 's4', 's5'].map((s) => net.add(s));
    senders.forEach((s, i) => sendAll(net, s, 'b', [i]));
    net.run();
    expect(b.engine.windowCount).toBe(3);
    const late = net.add('late');
    sendAll(net, late, 'b', [net.now() + 120_000]);
    net.run();
    expect(b.engine.windowCount).toBe(1);
  });

  it('keeps an idle sender window while its deadlines are pending: a very late retransmit is still a duplicate', () => {
    const net = new SimNetwork(17, {}, { senderIdleExpiry: 60_000 });
    const b = net.add('b');
    const env = messageEnvelope({ epoch: 'e', seq: 0, floor: 0, id: 'i', expires: 20 * 60_000, data: 1 });
    b.engine.receive({ command: 'num', data: env, sender: 'a' });
    net.run(5 * 60_000);
    // Another sender's arrival runs the sweep; then the late retransmit.
    b.engine.receive({ command: 'num', data: messageEnvelope({ epoch: 'z', seq: 0, floor: 0, id: 'z', expires: 1e12, data: 2 }), sender: 'z' });
    b.engine.receive({ command: 'num', data: env, sender: 'a' });
    expect(b.received.map((m) => m.data)).toEqual([1, 2]);
    expect(b.engine.counters.duplicates).toBe(1);
    expect(b.engine.windowCount).toBe(2);
  });

  it('cold: nothing is sent before subscribing', async () => {
    const net = new SimNetwork(16);
    const a = net.add('a');
    net.add('b');
    const send$ = a.engine.send('b', 'num', { n: 0 }, { via: 'auto', timeout: 1000 });
    net.run();
    expect(net.wire).toEqual([]);
    const done = lastValueFrom(send$);
    net.run();
    await expect(done).resolves.toMatchObject({ delivered: true });
  });
});

describe('delivery engine properties (fast-check, virtual time)', () => {
  const scenario = fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    count: fc.integer({ min: 1, max: 60 }),
    gaps: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 60, maxLength: 60 }),
    loss: fc.double({ min: 0, max: 0.4, noNaN: true }),
    duplicate: fc.double({ min: 0, max: 0.4, noNaN: true }),
    maxLatency: fc.integer({ min: 1, max: 500 }),
    outageStart: fc.integer({ min: 0, max: 10_000 }),
    outageLength: fc.integer({ min: 0, max: 15_000 }),
    senderOutage: fc.boolean(),
    receiverRestartAt: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
    ttl: fc.integer({ min: 500, max: 60_000 }),
    retransmitAfter: fc.integer({ min: 50, max: 2000 }),
    window: fc.integer({ min: 1, max: 64 }),
  });

  it('safety: every send settles; the application sees each message at most once, in send order; a confirmation means it was handed over', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const net = new SimNetwork(
          s.seed,
          { loss: s.loss, duplicate: s.duplicate, latency: [1, s.maxLatency] },
          { retransmitAfter: s.retransmitAfter, window: s.window },
        );
        const a = net.add('a');
        const b = net.add('b');
        const down = s.senderOutage ? a : b;
        net.at(s.outageStart, () => (down.online = false));
        net.at(s.outageStart + s.outageLength, () => (down.online = true));
        const handedBefore: number[][] = [];
        if (s.receiverRestartAt !== undefined)
          net.at(s.receiverRestartAt, () => {
            handedBefore.push(numbers(b));
            b.received.length = 0;
            b.restart();
          });
        let t = 0;
        const times = s.gaps.slice(0, s.count).map((g) => (t += g));
        const outcomes = sendAll(net, a, 'b', times, s.ttl);
        net.run();
        const segments = [...handedBefore, numbers(b)];
        // 1. every send settled, with a receipt or E_UNCONFIRMED
        for (const o of outcomes) {
          if (o.receipt) expect(o.receipt.delivered).toBe(true);
          else expect(o.error).toMatchObject({ code: 'E_UNCONFIRMED' });
        }
        // 2. within one receiver lifetime: no duplicates, strictly in send order
        for (const seg of segments) for (let i = 1; i < seg.length; i++) expect(seg[i]).toBeGreaterThan(seg[i - 1]);
        // 3. confirmed ⇒ handed over (in some lifetime of the receiver)
        const handed = new Set(segments.flat());
        for (const o of outcomes) if (o.receipt) expect(handed.has(o.n)).toBe(true);
        // 4. nothing left behind
        expect(a.engine.pendingCount).toBe(0);
        expect(a.engine.activeCount).toBe(0);
        expect(b.engine.activeCount).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('liveness: with a generous ttl and an outage shorter than it, everything is confirmed, exactly once and in order', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const net = new SimNetwork(
          s.seed,
          { loss: s.loss, duplicate: s.duplicate, latency: [1, s.maxLatency] },
          { retransmitAfter: s.retransmitAfter, window: s.window, maxProbeInterval: 4000 },
        );
        const a = net.add('a');
        const b = net.add('b');
        const down = s.senderOutage ? a : b;
        net.at(s.outageStart, () => (down.online = false));
        net.at(s.outageStart + s.outageLength, () => (down.online = true));
        let t = 0;
        const times = s.gaps.slice(0, s.count).map((g) => (t += g));
        // 10 virtual minutes: with 40 % loss each way and probes up to 4 s apart, 60 messages may need a few.
        const outcomes = sendAll(net, a, 'b', times, 600_000);
        net.run();
        expect(outcomes.filter((o) => !o.receipt).map((o) => o.n)).toEqual([]);
        expect(numbers(b)).toEqual(outcomes.map((o) => o.n));
      }),
      { numRuns: 100 },
    );
  });

  it('bounded traffic: while the receiver is unreachable, transmissions after the first copies are probes with backoff', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 100, max: 2000 }), fc.integer({ min: 5_000, max: 120_000 }), (count, rto, outage) => {
        const maxProbe = 8 * rto;
        const net = new SimNetwork(count, {}, { retransmitAfter: rto, maxProbeInterval: maxProbe, window: 1024 });
        const a = net.add('a');
        const b = net.add('b');
        b.online = false;
        net.at(outage, () => (b.online = true));
        const outcomes = sendAll(
          net,
          a,
          'b',
          Array.from({ length: count }, () => 0),
          outage * 2 + 60_000,
        );
        net.run(outage);
        // Probes: rto, then doubling up to maxProbe.
        let probes = 0;
        for (let at = rto, gap = 2 * rto; at < outage; at += gap, gap = Math.min(gap * 2, maxProbe)) probes++;
        expect(transmissionsTo(net, 'b')).toBeLessThanOrEqual(count + probes);
        net.run();
        expect(outcomes.every((o) => o.receipt?.delivered)).toBe(true);
        // After the outage: one probe answered, then the rest once.
        expect(transmissionsTo(net, 'b', outage)).toBeLessThanOrEqual(count + 1);
      }),
      { numRuns: 60 },
    );
  });
});
