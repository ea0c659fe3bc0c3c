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
 * Proofs the link is alive: every incoming event but our own heartbeat echo, and the
 * server's engine.io pings. (A probe's answer is its ack; counting the echo that the
 * server routes back just before it would cancel the probe and lose its round trip.)
 */
export function packetsOf(socket: Socket): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const onEvent = (event: string, payload?: unknown) => {
      if (event === 'touid' && (payload as { command?: unknown } | null)?.command === HEARTBEAT_COMMAND) return;
      subscriber.next(event);
    };
    const onPing = () => subscriber.next('ping');
    socket.onAny(onEvent);
    socket.io.on('ping', onPing);
    return () => {
      socket.offAny(onEvent);
      socket.io.off('ping', onPing);
    };
  });
}
