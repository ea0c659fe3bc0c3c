import { throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { RexsysTransportError } from '../../lib/errors';
import { browserWake } from '../../lib/liveness/browser-wake';
import { heartbeat, resolveHeartbeat } from '../../lib/liveness/heartbeat';

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

  it('counts activity during a probe as its answer (no false death under load)', () => {
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
