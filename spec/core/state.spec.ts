/** The state reducer and the metrics fold, as plain functions. */
import type { ClientEvent } from '../../lib/client/events';
import { MetricsRecorder, RTT_WINDOW, summariseRtts } from '../../lib/client/metrics';
import { INITIAL_STATE, reduceState, type ConnectionState } from '../../lib/client/state';
import { RexsysAuthError, RexsysInternalError, RexsysTransportError } from '../../lib/errors';

const run = (events: ClientEvent[], from: ConnectionState = INITIAL_STATE) => events.reduce(reduceState, from);
const statuses = (events: ClientEvent[]) => {
  const out: string[] = [];
  events.reduce((s, e) => {
    const next = reduceState(s, e);
    if (next !== s) out.push(next.status);
    return next;
  }, INITIAL_STATE);
  return out;
};

const lost = new RexsysTransportError('E_NETWORK', 'lost', { reason: 'transport close' });
const refused = new RexsysAuthError('E_LOGIN_REFUSED', 'no', { final: true });

describe('reduceState', () => {
  it('first connection: idle → connecting → authenticating → ready (uid and sid set)', () => {
    const events: ClientEvent[] = [
      { type: 'connecting', attempt: 0 },
      { type: 'connected', namespace: '/io/demo/client' },
      { type: 'hello', sid: 's1' },
      { type: 'loginSent', uid: 'kiosk-01', sid: 's1' },
      { type: 'loginOk', uid: 'kiosk-01', sid: 's1' },
    ];
    expect(statuses(events)).toEqual(['connecting', 'authenticating', 'ready']);
    expect(run(events)).toEqual({ status: 'ready', attempt: 0, uid: 'kiosk-01', sid: 's1' });
  });

  it('returns the same object when nothing changes (state$ never repeats)', () => {
    const ready = run([{ type: 'loginOk', uid: 'u', sid: 's' }]);
    for (const e of [
      { type: 'messageReceived', command: 'x' },
      { type: 'connecting', attempt: 0 },
      { type: 'hello', sid: 's' },
      { type: 'sendQueued', receiver: 'r', command: 'c' },
      { type: 'disconnected', reason: 'transport close', error: lost },
    ] as ClientEvent[]) {
      expect(reduceState(ready, e)).toBe(ready);
    }
  });

  it('a received message changes no state, whatever the state (the client skips the reducer for it on the hot path)', () => {
    const states: ConnectionState[] = [
      INITIAL_STATE,
      run([{ type: 'connecting', attempt: 0 }]),
      run([{ type: 'loginSent', uid: 'u', sid: 's' }]),
      run([{ type: 'loginOk', uid: 'u', sid: 's' }]),
      run([{ type: 'retryScheduled', attempt: 1, delay: 10, reason: 'transport close', error: lost }]),
      run([{ type: 'gaveUp', reason: 'login refused', error: refused }]),
    ];
    for (const s of states) expect(reduceState(s, { type: 'messageReceived', command: 'x' })).toBe(s);
  });

  it('a retry: reconnecting with attempt, delay, reason and lastError; the status stays until login', () => {
    const s = run([
      { type: 'loginOk', uid: 'u', sid: 's' },
      { type: 'retryScheduled', attempt: 2, delay: 400, reason: 'transport close', error: lost },
      { type: 'connecting', attempt: 2 },
    ]);
    expect(s).toEqual({ status: 'reconnecting', attempt: 2, delay: 400, reason: 'transport close', lastError: lost });
    expect(reduceState(s, { type: 'loginSent', uid: 'u', sid: 's2' })).toEqual({ status: 'authenticating', attempt: 2, uid: 'u', sid: 's2' });
  });

  it('giving up: unauthorized for a refusal, idle with the error otherwise; stopped forgets it', () => {
    expect(run([{ type: 'gaveUp', reason: 'login refused', error: refused }])).toEqual({
      status: 'unauthorized',
      attempt: 0,
      reason: 'login refused',
      lastError: refused,
    });
    const internal = new RexsysInternalError('bug');
    const idle = run([{ type: 'gaveUp', reason: 'internal', error: internal }]);
    expect(idle).toEqual({ status: 'idle', attempt: 0, reason: 'internal', lastError: internal });
    expect(reduceState(idle, { type: 'stopped' })).toBe(INITIAL_STATE);
    // reconnect() itself changes nothing: the attempt it starts does (no idle flicker)
    expect(reduceState(idle, { type: 'reconnectRequested' })).toBe(idle);
    expect(reduceState(idle, { type: 'connecting', attempt: 0 }).status).toBe('connecting');
    expect(reduceState(INITIAL_STATE, { type: 'stopped' })).toBe(INITIAL_STATE);
  });

  it('unauthorized → connecting after reconnect(); closed is final', () => {
    const unauthorized = run([{ type: 'gaveUp', reason: 'login refused', error: refused }]);
    expect(reduceState(unauthorized, { type: 'reconnectRequested' })).toBe(unauthorized);
    expect(reduceState(unauthorized, { type: 'connecting', attempt: 0 }).status).toBe('connecting');
    const closed = reduceState(unauthorized, { type: 'closed' });
    expect(closed).toEqual({ status: 'closed', attempt: 0 });
    expect(reduceState(closed, { type: 'connecting', attempt: 0 })).toBe(closed);
    expect(reduceState(closed, { type: 'loginOk', uid: 'u', sid: 's' })).toBe(closed);
  });
});

describe('MetricsRecorder', () => {
  const recorded = (events: ClientEvent[]) => {
    const m = new MetricsRecorder();
    events.forEach((e) => m.record(e));
    return m.snapshot({ outboxQueued: 2, outboxInflight: 1 });
  };

  it('counts messages, decode failures, sends by transport and outcome, reconnects, logins, certifies; reads the gauges', () => {
    const events: ClientEvent[] = [
      { type: 'certified', uid: 'u', skewed: false },
      { type: 'loginOk', uid: 'u', sid: 's' },
      { type: 'messageReceived', command: 'a' },
      { type: 'messageReceived', command: 'b' },
      { type: 'decodeFailed', source: 'touid', error: lost },
      { type: 'sendAcked', via: 'socket', receiver: 'r', command: 'c', acked: true },
      { type: 'sendFailed', via: 'rest', receiver: 'r', command: 'c', error: lost },
      { type: 'retryScheduled', attempt: 1, delay: 100, reason: 'transport close', error: lost },
      { type: 'stopped' },
    ];
    expect(recorded(events)).toEqual({
      messagesIn: 2,
      decodeFailures: 1,
      sends: { socket: { ok: 1, failed: 0 }, rest: { ok: 0, failed: 1 } },
      reconnects: 1,
      logins: 1,
      certifies: 1,
      heartbeat: { probes: 0, last: undefined, p50: undefined, p90: undefined, max: undefined },
      outboxQueued: 2,
      outboxInflight: 1,
    });
  });

  it('a snapshot is a copy: later events do not change it', () => {
    const m = new MetricsRecorder();
    m.record({ type: 'messageReceived', command: 'a' });
    const before = m.snapshot({ outboxQueued: 0, outboxInflight: 0 });
    m.record({ type: 'messageReceived', command: 'a' });
    expect(before.messagesIn).toBe(1);
    expect(m.snapshot({ outboxQueued: 0, outboxInflight: 0 }).messagesIn).toBe(2);
  });

  it('keeps the latest 64 heartbeat round trips and summarises them by nearest rank', () => {
    const beats: ClientEvent[] = Array.from({ length: 100 }, (_, i) => ({ type: 'heartbeat', rtt: i + 1 }));
    expect(recorded(beats).heartbeat).toEqual({ probes: 100, last: 100, p50: 68, p90: 94, max: 100 });
    expect(RTT_WINDOW).toBe(64);
    expect(summariseRtts([], 0)).toEqual({ probes: 0, last: undefined, p50: undefined, p90: undefined, max: undefined });
    expect(summariseRtts([5], 1)).toEqual({ probes: 1, last: 5, p50: 5, p90: 5, max: 5 });
  });
});
