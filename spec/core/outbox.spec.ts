/**
 * Socket sends over the connection pipeline in virtual time: the outbox consumes the
 * session value (drained on login, in-flight sends lost when the session ends), holds
 * the connection while pending, and times out. Fake sockets, jest fake timers.
 */
import { BehaviorSubject, firstValueFrom, type Observable } from 'rxjs';
import { SessionHold } from '../../lib/client/hold';
import { Outbox } from '../../lib/client/outbox';
import { sendOverSocket } from '../../lib/client/send-socket';
import type { RexsysError } from '../../lib/errors';
import { harness, logIn } from '../support/core-harness';

beforeEach(() => jest.useFakeTimers());
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
});

function setup(acks = true) {
  const h = harness({ gracePeriod: 500 });
  const outbox = new Outbox(10, acks);
  const sender = { channel: 'client' as const, outbox, emit: h.emit, hold: new SessionHold(h.connection.session$, outbox) };
  const send = (data: unknown, timeout = 5_000) =>
    firstValueFrom(sendOverSocket(sender, 'display-01', 'show', data, timeout)).then(
      (r) => `ok ${String(r.acked)}`,
      (e: RexsysError) => e.code,
    );
  const requests = () => h.sockets.flatMap((s) => s.emitted.filter((e) => e.event === 'request').map((e) => (e.args[0] as { data: unknown }).data));
  const ack = (i: number) => {
    const all = h.sockets.flatMap((s) => s.emitted.filter((e) => e.event === 'request'));
    (all[i].args[1] as () => void)();
  };
  return { h, outbox, send, requests, ack };
}

describe('socket sends over the session (fake socket, virtual time)', () => {
  it('a pending send opens the connection, waits for login, goes out in FIFO order and completes on the ack', async () => {
    const { h, send, requests, ack } = setup();
    const results = [send(1), send(2)];
    expect(h.sockets).toHaveLength(1); // the send holds the connection
    expect(requests()).toEqual([]);
    logIn(h.last());
    expect(requests()).toEqual([1, 2]);
    expect(h.events.map((e) => e.type)).toEqual(expect.arrayContaining(['sendQueued', 'sendEmitted']));
    ack(0);
    ack(1);
    expect(await Promise.all(results)).toEqual(['ok true', 'ok true']);
    jest.advanceTimersByTime(500); // nothing holds it any more: closed after the grace period
    expect(h.last().active).toBe(false);
  });

  it('a send made while ready goes at once', async () => {
    const { h, send, requests, ack } = setup();
    h.hold();
    logIn(h.last());
    const r = send('now');
    expect(requests()).toEqual(['now']);
    ack(0);
    expect(await r).toBe('ok true');
  });

  it('the session ends with a send in flight: E_OUTCOME_UNKNOWN at once; queued sends wait for the next login', async () => {
    const { h, send, requests, ack } = setup();
    h.hold();
    logIn(h.last());
    const inflight = send('a');
    h.last().serverDisconnect('transport close');
    expect(await inflight).toBe('E_OUTCOME_UNKNOWN');
    const queued = send('b');
    jest.advanceTimersByTime(100); // the backoff delay
    logIn(h.last());
    expect(requests()).toEqual(['a', 'b']);
    ack(1);
    expect(await queued).toBe('ok true');
  });

  it('never sent within its timeout: E_TIMEOUT; emitted without an ack: E_OUTCOME_UNKNOWN', async () => {
    const { h, outbox, send } = setup();
    const never = send('never', 1_000);
    jest.advanceTimersByTime(1_000);
    expect(await never).toBe('E_TIMEOUT');
    expect(outbox.queuedCount).toBe(0);
    logIn(h.last());
    const noAck = send('no ack', 1_000);
    jest.advanceTimersByTime(1_000);
    expect(await noAck).toBe('E_OUTCOME_UNKNOWN');
    expect(outbox.inflightCount).toBe(0);
  });

  it("socket.io's ping overdue (a throttled timer): the send waits in the outbox, not in socket.io's buffer, and goes on the next login", async () => {
    const { h, send, requests, ack } = setup();
    h.hold();
    logIn(h.last());
    // What socket.io checks before it writes an emit; when it is overdue socket.io buffers the emit and closes the link.
    const stale = Object.assign(h.last(), { io: { engine: { _hasPingExpired: () => true } } });
    const waiting = send('late');
    expect(requests()).toEqual([]);
    stale.serverDisconnect('ping timeout');
    jest.advanceTimersByTime(100); // the backoff delay
    logIn(h.last());
    expect(requests()).toEqual(['late']);
    ack(0);
    expect(await waiting).toBe('ok true'); // sent once, after the link came back: not E_OUTCOME_UNKNOWN
  });

  it('without acks a send completes as it is emitted', async () => {
    const { h, send } = setup(false);
    h.hold();
    logIn(h.last());
    expect(await send(1)).toBe('ok false');
  });
});

describe('SessionHold.emitsNow (whether a send made now is encoded and written in the same call)', () => {
  it("is true only while held, logged in, connected, with nothing queued and socket.io's ping not overdue", () => {
    type Held = ConstructorParameters<typeof SessionHold>[0] extends Observable<infer S> ? S : never;
    const session$ = new BehaviorSubject<Held>(undefined);
    const outbox = new Outbox(10, true);
    const hold = new SessionHold(session$, outbox);
    let expired = false;
    const socket = { connected: true, io: { engine: { _hasPingExpired: () => expired } }, emit: jest.fn() };
    expect(hold.emitsNow).toBe(false); // nothing holds the connection
    hold.acquire();
    expect(hold.emitsNow).toBe(false); // not logged in
    session$.next({ socket: socket as unknown as NonNullable<Held>['socket'], uid: 'kiosk-01' });
    expect(hold.emitsNow).toBe(true);
    expired = true; // socket.io would buffer the emit, unencoded
    expect(hold.emitsNow).toBe(false);
    expired = false;
    socket.connected = false;
    expect(hold.emitsNow).toBe(false);
    socket.connected = true;
    outbox.enqueue({ payload: { channel: 'client', receiver: 'r', command: 'c', data: 1 }, sent: () => {}, lost: () => {}, failed: () => {} });
    expect(hold.emitsNow).toBe(false); // a send behind a queued one waits for it
    hold.release();
    expect(hold.emitsNow).toBe(false);
  });
});
