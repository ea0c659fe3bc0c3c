import { Dispatcher } from '../../lib/client/dispatcher';
import { Outbox, type OutboxEntry } from '../../lib/client/outbox';
import { RexsysClosedError } from '../../lib/errors';
import type { Socket } from 'socket.io-client';

describe('Dispatcher', () => {
  it('routes by command and to every-message listeners', () => {
    const d = new Dispatcher();
    const seen: string[] = [];
    const offAll = d.add(undefined, { next: (m) => seen.push(`all:${m.command}`) });
    const offShow = d.add('show', { next: (m) => seen.push(`show:${String(m.data)}`) });
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
    const off1 = d.add('x', {
      next: () => {
        seen.push(1);
        off1();
      },
    });
    d.add('x', { next: () => seen.push(2) });
    d.dispatch({ command: 'x', data: null });
    d.dispatch({ command: 'x', data: null });
    expect(seen).toEqual([1, 2, 2]);
  });
});

describe('Outbox', () => {
  const fakeSocket = () => {
    const emitted: Array<{ payload: unknown; ack?: () => void }> = [];
    const socket = {
      connected: true,
      emit: (_e: string, payload: unknown, ack?: () => void) => {
        JSON.stringify(payload); // socket.io encodes synchronously, and throws as JSON does
        emitted.push({ payload, ack });
      },
    };
    return { socket: socket as unknown as Socket & { connected: boolean }, emitted };
  };
  const entry = (n: unknown, log: string[]): OutboxEntry => ({
    payload: { channel: 'client', receiver: 'r', command: 'c', data: n },
    sent: (acked) => log.push(`sent ${String(n)} ${acked}`),
    lost: () => log.push(`lost ${String(n)}`),
    failed: (e) => log.push(`failed ${String(n)} ${e.code}`),
  });

  it('emits in FIFO order with the sender filled in, and confirms on ack', () => {
    const log: string[] = [];
    const box = new Outbox(10, true);
    [1, 2, 3].forEach((n) => box.enqueue(entry(n, log)));
    const { socket, emitted } = fakeSocket();
    box.drain({ socket, uid: 'kiosk-01' });
    expect(emitted.map((e) => e.payload)).toEqual([1, 2, 3].map((n) => ({ channel: 'client', receiver: 'r', command: 'c', data: n, sender: 'kiosk-01' })));
    expect(box.queuedCount).toBe(0);
    expect(box.inflightCount).toBe(3);
    emitted[1].ack?.();
    emitted[1].ack?.();
    expect(log).toEqual(['sent 2 true']);
    box.connectionLost();
    expect(log).toEqual(['sent 2 true', 'lost 1', 'lost 3']);
    emitted[0].ack?.(); // a late ack after the loss changes nothing
    expect(log).toHaveLength(3);
  });

  it('refuses entries past its capacity and keeps queued ones across a loss', () => {
    const log: string[] = [];
    const box = new Outbox(2, true);
    expect(box.enqueue(entry(1, log))).toBe(true);
    expect(box.enqueue(entry(2, log))).toBe(true);
    expect(box.enqueue(entry(3, log))).toBe(false);
    box.connectionLost();
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
    box.drain({ socket, uid: 'u' });
    expect(emitted).toHaveLength(0);
    expect(box.remove(e1)).toBe(true);
    expect(box.remove(e1)).toBe(false);
  });

  it('without acks confirms at once; failAll loses what is in flight and fails what is queued', () => {
    const log: string[] = [];
    const box = new Outbox(5, true);
    box.enqueue(entry(1, log));
    const { socket } = fakeSocket();
    box.drain({ socket, uid: 'u' });
    box.enqueue(entry(2, log));
    box.failAll(new RexsysClosedError());
    expect(log).toEqual(['lost 1', 'failed 2 E_CLOSED']);
    const noAck = new Outbox(5, false);
    noAck.enqueue(entry(3, log));
    noAck.drain({ socket, uid: 'u' });
    expect(log.slice(2)).toEqual(['sent 3 false']);
  });

  it('an entry socket.io cannot encode fails alone with E_ENCODE; the ones behind it go (issue #12.1)', () => {
    const log: string[] = [];
    const box = new Outbox(5, false);
    [1, 10n, 3].forEach((n) => box.enqueue(entry(n, log)));
    const { socket, emitted } = fakeSocket();
    box.drain({ socket, uid: 'u' });
    expect(log).toEqual(['sent 1 false', 'failed 10 E_ENCODE', 'sent 3 false']);
    expect(emitted).toHaveLength(2);
    expect(box.queuedCount + box.inflightCount).toBe(0);
  });
});
