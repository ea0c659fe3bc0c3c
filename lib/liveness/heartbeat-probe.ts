import { Observable } from 'rxjs';
import type { Socket } from 'socket.io-client';
import type { Channel } from '../protocol/codecs.js';

/**
 * The reserved command of a heartbeat probe: a `request` a client addresses to itself.
 * The server acks it (the proof) and routes it back as a `touid`, which every rexsys-rx
 * client drops before its streams, so no application ever sees one. See docs/protocol.md.
 */
export const HEARTBEAT_COMMAND = 'rexsys-rx:heartbeat';

/**
 * One probe on a logged-in socket: emits once the server acked a self-addressed
 * `request`. socket.io forgets the ack after `timeout` ms, so a dead link leaks nothing.
 */
export function probeOverSocket(socket: Socket, channel: Channel, uid: string, timeout: number): Observable<void> {
  return new Observable<void>((subscriber) => {
    const payload = { channel, sender: uid, receiver: uid, command: HEARTBEAT_COMMAND, data: { at: Date.now() } };
    socket.timeout(timeout).emit('request', payload, (err: unknown) => {
      if (err) return; // the heartbeat's own timeout reports it
      subscriber.next();
      subscriber.complete();
    });
  });
}

/**
 * Proofs the link is alive: every incoming event but our own heartbeat echo, every ack
 * (a busy sender receives little else), and the server's engine.io pings. Counting the
 * echo that the server routes back just before the probe's ack would cancel the probe and
 * lose its round trip. Each check is O(1) per packet (the first character of the packet).
 */
export function packetsOf(socket: Socket): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const onEvent = (event: string, payload?: unknown) => {
      if (event === 'touid' && (payload as { command?: unknown } | null)?.command === HEARTBEAT_COMMAND) return;
      subscriber.next(event);
    };
    // socket.io packet types ACK (3) and BINARY_ACK (6); engine.io pings.
    const onPacket = (packet: { type?: string; data?: unknown }) => {
      if (packet.type === 'ping') subscriber.next('ping');
      else if (packet.type === 'message' && typeof packet.data === 'string' && (packet.data[0] === '3' || packet.data[0] === '6')) subscriber.next('ack');
    };
    const engine = socket.io.engine as unknown as
      { on?: (e: string, l: (p: never) => void) => void; off?: (e: string, l: (p: never) => void) => void } | undefined;
    socket.onAny(onEvent);
    engine?.on?.('packet', onPacket);
    return () => {
      socket.offAny(onEvent);
      engine?.off?.('packet', onPacket);
    };
  });
}
