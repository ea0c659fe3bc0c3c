/** The state reducer and the metrics fold, as plain functions. */
import type { ClientEvent } from '../../lib/client/events';
import { INITIAL_COUNTERS, RTT_WINDOW, foldMetrics, summariseRtts } from '../../lib/client/metrics';
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

describe('foldMetrics', () => {
  it('counts messages, decode failures, sends by transport and outcome, reconnects, logins, certifies', () => {
    const events: ClientEvent[] = [
      { type: 'certified', uid: 'u', skewed: false },
      { type: 'loginOk', uid: 'u', sid: 's' },
      { type: 'messageReceived', command: 'a' },
      { type: 'messageReceived', command: 'b' },
      { type: 'decodeFailed', source: 'touid', error: lost },
      { type: 'sendAcked', via: 'socket', receiver: 'r', command: 'c', acked: true },
      { type: 'sendFailed', via: 'rest', receiver: 'r', command: 'c', error: lost },
      { type: 'retryScheduled', attempt: 1, delay: 100, reason: 'transport close', error: lost },
    ];
    expect(events.reduce(foldMetrics, INITIAL_COUNTERS)).toEqual({
      messagesIn: 2,
      decodeFailures: 1,
      sends: { socket: { ok: 1, failed: 0 }, rest: { ok: 0, failed: 1 } },
      reconnects: 1,
      logins: 1,
      certifies: 1,
      rtts: [],
      probes: 0,
    });
    expect(INITIAL_COUNTERS.messagesIn).toBe(0);
  });

  it('keeps the latest 64 heartbeat round trips and summarises them by nearest rank', () => {
    const beats: ClientEvent[] = Array.from({ length: 100 }, (_, i) => ({ type: 'heartbeat', rtt: i + 1 }));
    const m = beats.reduce(foldMetrics, INITIAL_COUNTERS);
    expect(m.probes).toBe(100);
    expect(m.rtts).toHaveLength(RTT_WINDOW);
    expect(m.rtts[0]).toBe(37);
    expect(summariseRtts(m.rtts, m.probes)).toEqual({ probes: 100, last: 100, p50: 68, p90: 94, max: 100 });
    expect(summariseRtts([], 0)).toEqual({ probes: 0, last: undefined, p50: undefined, p90: undefined, max: undefined });
    expect(summariseRtts([5], 1)).toEqual({ probes: 1, last: 5, p50: 5, p90: 5, max: 5 });
  });
});
