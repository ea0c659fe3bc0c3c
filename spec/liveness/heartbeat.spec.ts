import { Observable, Subject, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { RexsysTransportError } from '../../lib/errors';
import { browserWake } from '../../lib/liveness/browser-wake';
import { heartbeat, resolveHeartbeat } from '../../lib/liveness/heartbeat';
import { HEARTBEAT_COMMAND, acksOf, activityOf } from '../../lib/liveness/heartbeat-probe';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('heartbeat (marbles)', () => {
  it('probes after each `interval` of silence and emits the round-trip time', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const answer = cold('--a|');
      // probe at 5, answered at 7 (rtt 2); the answer is a proof: next probe 5 ms later (12), answered at 14
      const rtt$ = heartbeat({ interval: 5, timeout: 4 }, { probe: () => answer });
      expectObservable(rtt$, '^ 14ms !').toBe('-------a------b', { a: 2, b: 2 });
      expectSubscriptions(answer.subscriptions).toBe(['-----^-!', '------------^-!']);
    });
  });

  it('errors with reason "heartbeat" when a probe is not answered within `timeout`', () => {
    let failure: unknown;
    scheduler().run(({ cold, expectObservable }) => {
      const rtt$ = heartbeat({ interval: 5, timeout: 3 }, { probe: () => cold('-') });
      rtt$.subscribe({ error: (e: unknown) => (failure = e) });
      // probe at 5, dead at 8
      expectObservable(rtt$).toBe('--------#', undefined, expect.any(RexsysTransportError));
    });
    expect(failure).toMatchObject({ code: 'E_NETWORK', reason: 'heartbeat' });
  });

  it('does not probe while activity proves the link', () => {
    scheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const activity = hot('--x--x--x--x--x--|');
      const probe = cold('-a|');
      const rtt$ = heartbeat({ interval: 4, timeout: 3 }, { probe: () => probe, activity$: activity });
      expectObservable(rtt$, '^ 18ms !').toBe('-');
      // last activity at 14; the first probe would go out at 18, after the window we watch
      expectSubscriptions(probe.subscriptions).toBe(['------------------^!']);
    });
  });

  it('activity during a probe spares it the verdict (no false death under load)', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const activity = hot('-------x-------');
      const rtt$ = heartbeat({ interval: 5, timeout: 3 }, { probe: () => cold('-'), activity$: activity });
      // probe at 5 never answered, but activity at 7 proves the link: no error by 11
      expectObservable(rtt$, '^ 11ms !').toBe('-');
    });
  });

  it("reports the round trip when the probe's own ack is also the activity of that moment", () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const activity = hot('-------x-------');
      // probe at 5, answered at 7, the same frame as the packet that carried the answer
      const rtt$ = heartbeat({ interval: 5, timeout: 3 }, { probe: () => cold('--a'), activity$: activity });
      expectObservable(rtt$, '^ 9ms !').toBe('-------a--', { a: 2 });
    });
  });

  it('in real time: reports the round trip when the packet that carries the answer is seen as activity first', async () => {
    // In browsers engine.io announces a packet (activity) and socket.io hands it on a microtask
    // later (its nextTick is a promise there; in Node, process.nextTick runs first): the ack
    // callback comes after the activity. Measured in Chromium, every round trip was lost so.
    const activity = new Subject<string>();
    const probe = () =>
      new Observable<void>((answer) => {
        const t = setTimeout(() => {
          activity.next('ack');
          queueMicrotask(() =>
            queueMicrotask(() => {
              answer.next();
              answer.complete();
            }),
          );
        }, 5);
        return () => clearTimeout(t);
      });
    const rtts: number[] = [];
    const sub = heartbeat({ interval: 10, timeout: 500 }, { probe, activity$: activity }).subscribe((rtt) => rtts.push(rtt));
    await new Promise((resolve) => setTimeout(resolve, 200));
    sub.unsubscribe();
    expect(rtts.length).toBeGreaterThanOrEqual(3);
    expect(rtts.every((rtt) => rtt >= 0 && rtt < 100)).toBe(true);
  });

  it('activity during a probe spares the verdict but not the wait: no answer by the timeout, the next probe follows the silence', () => {
    scheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const activity = hot('-------x----------------');
      const probe = cold('-');
      const rtt$ = heartbeat({ interval: 5, timeout: 3 }, { probe: () => probe, activity$: activity });
      // probe at 5, activity at 7, no answer by 8: not dead; silence since 7, so the next probe
      // goes out at 12 and, with nothing at all by 15, the link is dead then
      expectObservable(rtt$).toBe('---------------#', undefined, expect.any(RexsysTransportError));
      expectSubscriptions(probe.subscriptions).toBe(['-----^--!', '------------^--!']);
    });
  });

  it('probes at once on wake$ and keeps a single probe out at a time', () => {
    scheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const wake = hot('-ww---');
      const probe = cold('---a|');
      const rtt$ = heartbeat({ interval: 100, timeout: 50 }, { probe: () => probe, wake$: wake });
      expectObservable(rtt$, '^ 6ms !').toBe('----a--', { a: 3 });
      expectSubscriptions(probe.subscriptions).toBe(['-^--!']);
    });
  });

  it('passes a probe failure on as it is', () => {
    scheduler().run(({ expectObservable }) => {
      const boom = new Error('emit failed');
      const rtt$ = heartbeat({ interval: 2, timeout: 5 }, { probe: () => throwError(() => boom) });
      expectObservable(rtt$).toBe('--#', undefined, boom);
    });
  });
});

describe('resolveHeartbeat', () => {
  it('fills defaults, keeps false, and refuses numbers that cannot work', () => {
    expect(resolveHeartbeat(undefined)).toEqual({ interval: 15_000, timeout: 5_000 });
    expect(resolveHeartbeat({ interval: 1000 })).toEqual({ interval: 1000, timeout: 5_000 });
    expect(resolveHeartbeat(false)).toBe(false);
    for (const bad of [0, -1, NaN, Infinity]) {
      expect(() => resolveHeartbeat({ interval: bad })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
      expect(() => resolveHeartbeat({ timeout: bad })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    }
  });
});

describe('browserWake', () => {
  it('is EMPTY outside a browser', () => {
    const seen: string[] = [];
    browserWake(undefined).subscribe({ next: (r) => seen.push(r), complete: () => seen.push('done') });
    expect(seen).toEqual(['done']);
  });

  it('maps offline, online, a visible page and a bfcache pageshow; ignores hidden and plain pageshow', () => {
    const win = new EventTarget() as EventTarget & { document: EventTarget & { visibilityState: string } };
    win.document = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    const seen: string[] = [];
    const sub = browserWake(win).subscribe((r) => seen.push(r));
    win.dispatchEvent(new Event('offline'));
    win.dispatchEvent(new Event('online'));
    win.document.dispatchEvent(new Event('visibilitychange'));
    win.document.visibilityState = 'visible';
    win.document.dispatchEvent(new Event('visibilitychange'));
    win.dispatchEvent(new Event('pageshow'));
    win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    sub.unsubscribe();
    win.dispatchEvent(new Event('offline'));
    expect(seen).toEqual(['offline', 'online', 'visible', 'pageshow']);
  });
});

describe('heartbeat answers$ (proofs watched only while a probe is out)', () => {
  it('spares a probe that is out its verdict, and is not subscribed between probes', () => {
    scheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const answers = hot('---x---x-------');
      const rtt$ = heartbeat({ interval: 5, timeout: 3 }, { probe: () => cold('-'), answers$: answers });
      // probe at 5, not answered by itself; the answer at 7 spares it the verdict at 8 (no round trip); the next probe goes at 12 (silence from 7) and is still out when we stop watching at 15
      expectObservable(rtt$, '^ 14ms !').toBe('-');
      expectSubscriptions(answers.subscriptions).toBe(['-----^--!', '------------^--!']);
    });
  });

  it('ends a probe with its answer although answers$ stays open, and probes again after the next interval', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const answers = cold('-'); // never emits, never completes
      const rtt$ = heartbeat({ interval: 5, timeout: 3 }, { probe: () => cold('-a|'), answers$: answers });
      // probes at 5 and 11, each answered 1 ms later
      expectObservable(rtt$, '^ 13ms !').toBe('------a-----b', { a: 1, b: 1 });
      expectSubscriptions(answers.subscriptions).toBe(['-----^!', '-----------^!']);
    });
  });
});

describe('activityOf / acksOf (the client proofs, on a socket.io socket)', () => {
  class FakeEmitter {
    private readonly listeners = new Map<string, Set<(p?: unknown) => void>>();
    on(event: string, l: (p?: unknown) => void) {
      if (!this.listeners.has(event)) this.listeners.set(event, new Set());
      this.listeners.get(event)!.add(l);
    }
    off(event: string, l: (p?: unknown) => void) {
      this.listeners.get(event)?.delete(l);
    }
    fire(event: string, p?: unknown) {
      for (const l of this.listeners.get(event) ?? []) l(p);
    }
    count(): number {
      let n = 0;
      for (const s of this.listeners.values()) n += s.size;
      return n;
    }
  }
  const fakeSocket = () => {
    const engine = new FakeEmitter();
    const socket = Object.assign(new FakeEmitter(), { io: { engine } });
    return { socket, engine, asSocket: socket as unknown as Parameters<typeof activityOf>[0] };
  };

  it('emits once per turn for any number of messages, not for our heartbeat echo; pings count', async () => {
    const { socket, engine, asSocket } = fakeSocket();
    let proofs = 0;
    const sub = activityOf(asSocket).subscribe(() => proofs++);
    for (let i = 0; i < 500; i++) socket.fire('touid', { command: 'show', data: i });
    expect(proofs).toBe(0); // a microtask later
    await Promise.resolve();
    expect(proofs).toBe(1);
    socket.fire('touid', { command: HEARTBEAT_COMMAND, data: {} });
    socket.fire('touid', null);
    await Promise.resolve();
    expect(proofs).toBe(2); // the echo does not count; a null payload is a message like any other (decode reports it)
    socket.fire('touid', { command: HEARTBEAT_COMMAND, data: {} });
    await Promise.resolve();
    expect(proofs).toBe(2);
    engine.fire('ping');
    await Promise.resolve();
    expect(proofs).toBe(3);
    sub.unsubscribe();
    expect(socket.count() + engine.count()).toBe(0);
  });

  it("with the client's own touid listener (listenTouid): no listener of its own on the socket, the same proofs", async () => {
    const { socket, engine, asSocket } = fakeSocket();
    let heard: ((payload?: unknown) => void) | undefined;
    let proofs = 0;
    const sub = activityOf(asSocket, (listener) => {
      heard = listener;
      return () => (heard = undefined);
    }).subscribe(() => proofs++);
    expect(socket.count()).toBe(0);
    heard!({ command: 'show' });
    heard!({ command: 'show' });
    await Promise.resolve();
    expect(proofs).toBe(1);
    heard!({ command: HEARTBEAT_COMMAND });
    await Promise.resolve();
    expect(proofs).toBe(1);
    sub.unsubscribe();
    expect(heard).toBeUndefined();
    expect(socket.count() + engine.count()).toBe(0);
  });

  it('acksOf emits on ACK and BINARY_ACK packets only', () => {
    const { socket, engine, asSocket } = fakeSocket();
    let acks = 0;
    const sub = acksOf(asSocket).subscribe(() => acks++);
    engine.fire('packet', { type: 'message', data: '2/io/p/client,["touid",{}]' });
    engine.fire('packet', { type: 'message', data: '3/io/p/client,12[{}]' });
    engine.fire('packet', { type: 'message', data: '6/io/p/client,13[]' });
    engine.fire('packet', { type: 'ping' });
    expect(acks).toBe(2);
    sub.unsubscribe();
    expect(socket.count() + engine.count()).toBe(0);
  });
});
