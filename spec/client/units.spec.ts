import { Dispatcher } from '../../lib/client/dispatcher';
import { Lease } from '../../lib/client/lease';
import { Outbox, type OutboxEntry } from '../../lib/client/outbox';
import { RexsysClosedError, RexsysTransportError } from '../../lib/errors';
import type { Socket } from 'socket.io-client';

describe('Lease', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('starts on the first hold and stops a grace period after the last release', () => {
    const log: string[] = [];
    const lease = new Lease(
      () => log.push('start'),
      () => log.push('stop'),
      100,
    );
    const a = lease.acquire();
    const b = lease.acquire();
    expect(log).toEqual(['start']);
    a();
    a(); // idempotent
    b();
    expect(lease.holders).toBe(0);
    jest.advanceTimersByTime(99);
    expect(log).toEqual(['start']);
    jest.advanceTimersByTime(1);
    expect(log).toEqual(['start', 'stop']);
  });

  it('a hold within the grace period keeps it running', () => {
    const log: string[] = [];
    const lease = new Lease(
      () => log.push('start'),
      () => log.push('stop'),
      100,
    );
    lease.acquire()();
    jest.advanceTimersByTime(50);
    const again = lease.acquire();
    jest.advanceTimersByTime(500);
    expect(log).toEqual(['start']);
    again();
    jest.advanceTimersByTime(100);
    expect(log).toEqual(['start', 'stop']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops at once with a zero grace period, and dispose clears its timer', () => {
    const log: string[] = [];
    const zero = new Lease(
      () => log.push('start'),
      () => log.push('stop'),
      0,
    );
    zero.acquire()();
    expect(log).toEqual(['start', 'stop']);
    const lease = new Lease(
      () => log.push('start2'),
      () => log.push('stop2'),
      100,
    );
    lease.acquire()();
    lease.dispose();
    expect(jest.getTimerCount()).toBe(0);
    expect(log).toEqual(['start', 'stop', 'start2', 'stop2']);
  });

  it('is active while held and during the grace period', () => {
    const lease = new Lease(
      () => undefined,
      () => undefined,
      100,
    );
    expect(lease.active).toBe(false);
    const release = lease.acquire();
    expect(lease.active).toBe(true);
    release();
    expect(lease.active).toBe(true);
    jest.advanceTimersByTime(100);
    expect(lease.active).toBe(false);
  });
});

describe('Dispatcher', () => {
  it('routes by command and to every-message listeners', () => {
    const d = new Dispatcher();
    const seen: string[] = [];
    const offAll = d.add(undefined, (m) => seen.push(`all:${m.command}`));
    const offShow = d.add('show', (m) => seen.push(`show:${String(m.data)}`));
    d.dispatch({ command: 'show', data: 1 });
    d.dispatch({ command: 'hide', data: 2 });
    expect(seen).toEqual(['all:show', 'show:1', 'all:hide']);
    expect(d.size).toBe(2);
    offShow();
    offAll();
    offAll();
    expect(d.size).toBe(0);
  });

  it('survives a listener removing itself during dispatch', () => {
    const d = new Dispatcher();
    const seen: number[] = [];
    const off1 = d.add('x', () => {
      seen.push(1);
      off1();
    });
    d.add('x', () => seen.push(2));
    d.dispatch({ command: 'x', data: null });
    d.dispatch({ command: 'x', data: null });
    expect(seen).toEqual([1, 2, 2]);
  });
});

describe('Outbox', () => {
  const fakeSocket = () => {
    const emitted: Array<{ payload: unknown; ack?: () => void }> = [];
    const socket = { connected: true, emit: (_e: string, payload: unknown, ack?: () => void) => emitted.push({ payload, ack }) };
    return { socket: socket as unknown as Socket & { connected: boolean }, emitted };
  };
  const entry = (n: number, log: string[]): OutboxEntry => ({
    payload: { channel: 'client', receiver: 'r', command: 'c', data: n },
    sent: (acked) => log.push(`sent ${n} ${acked}`),
    lost: (e) => log.push(`lost ${n} ${e.code}`),
  });

  it('emits in FIFO order with the sender filled in, and confirms on ack', () => {
    const log: string[] = [];
    const box = new Outbox(10, true);
    [1, 2, 3].forEach((n) => box.enqueue(entry(n, log)));
    const { socket, emitted } = fakeSocket();
    box.drain(socket, 'kiosk-01');
    expect(emitted.map((e) => e.payload)).toEqual([1, 2, 3].map((n) => ({ channel: 'client', receiver: 'r', command: 'c', data: n, sender: 'kiosk-01' })));
    expect(box.queuedCount).toBe(0);
    expect(box.inflightCount).toBe(3);
    emitted[1].ack?.();
    emitted[1].ack?.();
    expect(log).toEqual(['sent 2 true']);
    box.connectionLost(new RexsysTransportError('E_NETWORK', 'gone'));
    expect(log).toEqual(['sent 2 true', 'lost 1 E_NETWORK', 'lost 3 E_NETWORK']);
    emitted[0].ack?.(); // a late ack after the loss changes nothing
    expect(log).toHaveLength(3);
  });

  it('refuses entries past its capacity and keeps queued ones across a loss', () => {
    const log: string[] = [];
    const box = new Outbox(2, true);
    expect(box.enqueue(entry(1, log))).toBe(true);
    expect(box.enqueue(entry(2, log))).toBe(true);
    expect(box.enqueue(entry(3, log))).toBe(false);
    box.connectionLost(new RexsysTransportError('E_NETWORK', 'gone'));
    expect(box.queuedCount).toBe(2);
    expect(log).toEqual([]);
  });

  it('does not emit on a disconnected socket, and remove() says whether it was never sent', () => {
    const log: string[] = [];
    const box = new Outbox(5, false);
    const e1 = entry(1, log);
    box.enqueue(e1);
    const { socket, emitted } = fakeSocket();
    socket.connected = false;
    box.drain(socket, 'u');
    expect(emitted).toHaveLength(0);
    expect(box.remove(e1)).toBe(true);
    expect(box.remove(e1)).toBe(false);
  });

  it('without acks confirms at once; failAll fails everything left', () => {
    const log: string[] = [];
    const box = new Outbox(5, false);
    box.enqueue(entry(1, log));
    const { socket } = fakeSocket();
    box.drain(socket, 'u');
    box.enqueue(entry(2, log));
    box.failAll(new RexsysClosedError());
    expect(log).toEqual(['sent 1 false', 'lost 2 E_CLOSED']);
  });
});
