/**
 * The connection pipeline (lib/client/connection.ts + session.ts) over a fake socket, in
 * virtual time (jest fake timers): the test plays the server. No real sockets, no sleeps.
 */
import { of, throwError } from 'rxjs';
import { RexsysAuthError } from '../../lib/errors';
import { harness, logIn, renewableSource } from '../support/core-harness';

beforeEach(() => jest.useFakeTimers());
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
});

describe('the connection pipeline (fake socket, virtual time)', () => {
  it('opens nothing until subscribed, then connects → hello → login → one session value', () => {
    const h = harness();
    expect(h.sockets).toHaveLength(0);
    h.hold();
    expect(h.sockets).toHaveLength(1);
    expect(h.last().connectCalls).toBe(1);
    expect(h.last().namespace).toBe('/io/demo/client');
    logIn(h.last());
    expect(h.last().logins()).toEqual([{ uid: 'kiosk-01', sid: 'sid-1', token: 'fixed-token' }]);
    expect(h.values).toEqual([undefined, { socket: h.last(), uid: 'kiosk-01', sid: 'sid-1' }]);
    expect(h.statuses()).toEqual(['connecting', 'authenticating', 'ready']);
    expect(h.state).toEqual({ status: 'ready', attempt: 0, uid: 'kiosk-01', sid: 'sid-1' });
    expect(h.events.map((e) => e.type)).toEqual(['connecting', 'hello', 'connected', 'loginSent', 'loginOk']);
  });

  it('hello after the CONNECT: waits for it and uses its sid', () => {
    const h = harness({ helloTimeout: 100 });
    h.hold();
    const s = h.last();
    s.serverConnect();
    jest.advanceTimersByTime(50);
    expect(s.logins()).toEqual([]);
    s.serverHello({ sid: 'from-hello' });
    expect(s.logins()).toEqual([{ uid: 'kiosk-01', sid: 'from-hello', token: 'fixed-token' }]);
  });

  it('no hello: logs in with socket.id after helloTimeout; a malformed hello is reported, not fatal', () => {
    const h = harness({ helloTimeout: 100 });
    h.hold();
    const s = h.last();
    s.serverConnect();
    s.serverHello({ nosid: true });
    expect(h.errors.map((e) => e.code)).toEqual(['E_DECODE']);
    jest.advanceTimersByTime(99);
    expect(s.logins()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(s.logins()).toEqual([{ uid: 'kiosk-01', sid: 'sid-1', token: 'fixed-token' }]);
    s.serverEmit('login', { status: 'success' });
    expect(h.state.status).toBe('ready');
  });

  it('login refused with fixed credentials: unauthorized, one report, no further attempt', () => {
    const h = harness();
    h.hold();
    const s = h.last();
    s.serverHello();
    s.serverConnect();
    s.serverEmit('login', { status: 'fail', message: 'invalid token' });
    expect(h.state).toMatchObject({ status: 'unauthorized', reason: 'login refused', lastError: { code: 'E_LOGIN_REFUSED', final: true } });
    expect(s.active).toBe(false);
    jest.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.errors.map((e) => e.code)).toEqual(['E_LOGIN_REFUSED']);
  });

  it('login refused with renewable credentials: certified again once, and a fresh refusal is final', () => {
    const source = renewableSource();
    const h = harness({ credentials: source });
    h.hold();
    logIn(h.last()); // token-1 (fresh)
    h.last().serverDisconnect('transport close');
    jest.advanceTimersByTime(100);
    const second = h.last();
    second.serverHello();
    second.serverConnect();
    second.serverEmit('login', { status: 'fail' }); // cached token refused: not final
    expect(source.invalidations).toBe(1);
    expect((h.errors[1] as RexsysAuthError).final).toBe(false);
    jest.runOnlyPendingTimers();
    const third = h.last();
    expect(third).not.toBe(second);
    third.serverHello();
    third.serverConnect();
    expect(third.logins()).toEqual([{ uid: 'kiosk-01', sid: 'sid-3', token: 'token-2' }]);
    third.serverEmit('login', { status: 'fail' }); // fresh token refused: final
    expect(h.state.status).toBe('unauthorized');
    jest.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(3);
  });

  it('login never answered: login timeout, the socket is closed, retry after the backoff delay', () => {
    const h = harness({ loginTimeout: 1_000 });
    h.hold();
    const s = h.last();
    s.serverHello();
    s.serverConnect();
    jest.advanceTimersByTime(999);
    expect(h.state.status).toBe('authenticating');
    jest.advanceTimersByTime(1);
    expect(h.state).toMatchObject({ status: 'reconnecting', attempt: 1, delay: 100, reason: 'login timeout', lastError: { code: 'E_TIMEOUT' } });
    expect(s.active).toBe(false);
    expect(s.listenerTotal).toBe(0);
    jest.advanceTimersByTime(99);
    expect(h.sockets).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(h.sockets).toHaveLength(2);
  });

  it('login answered twice: one session; a refusal after a success ends the session as a refusal (issue #12.14)', () => {
    const h = harness();
    h.hold();
    const s = h.last();
    logIn(s);
    s.serverEmit('login', { status: 'success' });
    expect(h.values.filter(Boolean)).toHaveLength(1);
    expect(h.state.status).toBe('ready');
    s.serverEmit('login', { status: 'fail', message: 'kicked' });
    expect(h.values[h.values.length - 1]).toBeUndefined();
    expect(h.state).toMatchObject({ status: 'unauthorized', reason: 'login refused' });
    expect(h.errors.map((e) => e.code)).toEqual(['E_LOGIN_REFUSED']);
    expect(h.events.find((e) => e.type === 'disconnected')).toMatchObject({ reason: 'login refused' });
  });

  it('a drop during login: reconnecting with socket.io’s reason, then a new socket logs in', () => {
    const h = harness();
    h.hold();
    const s = h.last();
    s.serverHello();
    s.serverConnect();
    s.serverDisconnect('transport close');
    expect(h.state).toMatchObject({
      status: 'reconnecting',
      attempt: 1,
      reason: 'transport close',
      lastError: { code: 'E_NETWORK', reason: 'transport close' },
    });
    expect(h.events.some((e) => e.type === 'disconnected')).toBe(false); // never logged in
    jest.advanceTimersByTime(100);
    logIn(h.last());
    expect(h.statuses()).toEqual(['connecting', 'authenticating', 'reconnecting', 'authenticating', 'ready']);
  });

  it('a logged-in session that drops: undefined at once (in-flight sends learn it), disconnected event with the reason', () => {
    const h = harness();
    h.hold();
    logIn(h.last());
    h.last().serverDisconnect('ping timeout');
    expect(h.values[h.values.length - 1]).toBeUndefined();
    expect(h.events.filter((e) => e.type === 'disconnected')).toMatchObject([{ reason: 'ping timeout' }]);
    expect(h.state).toMatchObject({ status: 'reconnecting', reason: 'ping timeout' });
  });

  it('no namespace CONNECT: connectTimeout bounds the way in, then backoff (issue #12.4)', () => {
    const h = harness({ connectTimeout: 2_000 });
    h.hold();
    const s = h.last();
    jest.advanceTimersByTime(1_999);
    expect(h.state.status).toBe('connecting');
    jest.advanceTimersByTime(1);
    expect(h.state).toMatchObject({ status: 'reconnecting', attempt: 1, reason: 'connect timeout' });
    expect(s.active).toBe(false);
    jest.advanceTimersByTime(100);
    expect(h.sockets).toHaveLength(2);
  });

  it('kicked right after every login: the backoff grows instead of resetting; a stable session resets it (issue #12.5)', () => {
    const h = harness({ stablePeriod: 10_000 });
    h.hold();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      logIn(h.last());
      h.last().serverDisconnect('io server disconnect');
      const s = h.state;
      if (s.status !== 'reconnecting') throw new Error(`expected reconnecting, got ${s.status}`);
      delays.push(s.delay);
      jest.advanceTimersByTime(s.delay);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_000]);
    logIn(h.last());
    jest.advanceTimersByTime(10_000); // a session that lived the stable period
    h.last().serverDisconnect('io server disconnect');
    expect(h.state).toMatchObject({ status: 'reconnecting', attempt: 1, delay: 100 });
  });

  it('reconnect() in every state', () => {
    const h = harness();
    // idle, nothing held: nothing opens
    h.connection.reconnect();
    expect(h.sockets).toHaveLength(0);
    h.hold();
    // connecting: the attempt is replaced
    const first = h.last();
    h.connection.reconnect();
    expect(first.active).toBe(false);
    expect(h.sockets).toHaveLength(2);
    // ready: a fresh connection
    logIn(h.last());
    h.connection.reconnect();
    expect(h.sockets).toHaveLength(3);
    expect(h.values[h.values.length - 1]).toBeUndefined();
    // reconnecting: no wait for the delay
    h.last().serverDisconnect('transport close');
    expect(h.state.status).toBe('reconnecting');
    h.connection.reconnect();
    expect(h.sockets).toHaveLength(4);
    // unauthorized: tries again
    const s = h.last();
    s.serverHello();
    s.serverConnect();
    s.serverEmit('login', { status: 'fail' });
    expect(h.state.status).toBe('unauthorized');
    h.connection.reconnect();
    expect(h.sockets).toHaveLength(5);
    logIn(h.last());
    expect(h.state.status).toBe('ready');
  });

  it('unauthorized sticks across re-subscription without a new attempt, until reconnect()', () => {
    const h = harness({ gracePeriod: 0 });
    h.hold();
    const s = h.last();
    s.serverHello();
    s.serverConnect();
    s.serverEmit('login', { status: 'fail' });
    h.releaseAll();
    expect(h.state.status).toBe('idle');
    h.hold();
    expect(h.state.status).toBe('unauthorized');
    expect(h.sockets).toHaveLength(1);
    expect(h.errors).toHaveLength(1);
  });

  it('a synchronous throw on subscribe is E_INTERNAL, never retried, and does not wedge later subscriptions', () => {
    let calls = 0;
    const source = {
      renewable: false,
      get: () => {
        calls++;
        if (calls === 1) throw new TypeError('boom');
        return of({ credentials: { uid: 'kiosk-01', token: 't' }, fresh: false });
      },
      invalidate: () => undefined,
    };
    const h = harness({ credentials: source, gracePeriod: 0 });
    h.hold();
    expect(h.state).toMatchObject({ status: 'idle', reason: 'internal', lastError: { code: 'E_INTERNAL' } });
    jest.advanceTimersByTime(60_000);
    expect(calls).toBe(1);
    h.releaseAll();
    h.hold();
    expect(calls).toBe(2);
    logIn(h.last());
    expect(h.state.status).toBe('ready');
  });

  it('a failing credential source is retried with backoff (not a hot loop), reason certify failed', () => {
    const h = harness({
      credentials: {
        renewable: true,
        get: () => throwError(() => new RexsysAuthError('E_CERTIFY_REFUSED', 'no', { final: false })),
        invalidate: () => undefined,
      },
      maxRetries: 2,
    });
    h.hold();
    expect(h.state).toMatchObject({ status: 'reconnecting', reason: 'certify failed' });
    jest.advanceTimersByTime(100 + 200);
    expect(h.state).toMatchObject({ status: 'unauthorized', reason: 'certify failed' });
    expect(h.errors).toHaveLength(3);
  });

  it('the grace period: the socket stays for gracePeriod ms after the last subscriber, a new one within it keeps it', () => {
    const h = harness({ gracePeriod: 500 });
    const sub = h.hold();
    logIn(h.last());
    sub.unsubscribe();
    jest.advanceTimersByTime(499);
    expect(h.last().active).toBe(true);
    h.hold();
    expect(h.sockets).toHaveLength(1);
    expect(h.values[h.values.length - 1]).toMatchObject({ sid: 'sid-1' }); // replayed
    h.releaseAll();
    jest.advanceTimersByTime(500);
    expect(h.last().active).toBe(false);
    expect(h.last().listenerTotal).toBe(0);
    expect(h.state.status).toBe('idle');
    expect(h.connection.listenerCount()).toBe(0);
  });

  it('closing completes the stream and closes the socket', () => {
    const h = harness();
    let completed = false;
    h.connection.session$.subscribe({ complete: () => (completed = true) });
    logIn(h.last());
    h.closing.next();
    expect(completed).toBe(true);
    expect(h.last().active).toBe(false);
    expect(h.last().listenerTotal).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('touid payloads reach onTouid while the socket is open', () => {
    const h = harness();
    h.hold();
    logIn(h.last());
    h.last().serverEmit('touid', { command: 'show', data: 1 });
    expect(h.touids).toEqual([{ command: 'show', data: 1 }]);
  });
});
