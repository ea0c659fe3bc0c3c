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

/** The engine.io socket under a socket.io socket, as far as the proofs below use it. */
type Engine = { on?: (e: string, l: (p: never) => void) => void; off?: (e: string, l: (p: never) => void) => void } | undefined;

/** Registers a listener for every incoming `touid` payload; returns its removal. */
export type TouidListen = (listener: (payload?: unknown) => void) => () => void;

/**
 * Proofs the link is alive, watched all the time: every incoming `touid` but our own
 * heartbeat echo (counting the echo, which the server routes back just before the
 * probe's ack, would cancel the probe and lose its round trip), and the server's
 * engine.io pings. It is on every message's path, so a message only sets a flag: the
 * proofs of one turn of the event loop are emitted once, a microtask later.
 *
 * `listenTouid` is how it hears of messages: by default a listener of its own on the
 * socket; the client passes its own `touid` listener's, so socket.io calls one listener
 * per message, not two (#18).
 */
export function activityOf(socket: Socket, listenTouid: TouidListen = socketTouids(socket)): Observable<void> {
  return new Observable<void>((subscriber) => {
    let pending = false;
    const flush = () => {
      pending = false;
      subscriber.next();
    };
    const proof = () => {
      if (pending) return;
      pending = true;
      queueMicrotask(flush);
    };
    const onTouid = (payload?: unknown) => {
      if ((payload as { command?: unknown } | null)?.command !== HEARTBEAT_COMMAND) proof();
    };
    const engine = socket.io.engine as unknown as Engine;
    const stopTouids = listenTouid(onTouid);
    engine?.on?.('ping', proof);
    return () => {
      stopTouids();
      engine?.off?.('ping', proof);
    };
  });
}

/** A `touid` listener of its own on `socket`. */
function socketTouids(socket: Socket): TouidListen {
  return (listener) => {
    socket.on('touid', listener);
    return () => socket.off('touid', listener);
  };
}

/**
 * Acks of any `request` (socket.io packet types ACK and BINARY_ACK): a busy sender
 * receives little else, and its probe's ack queues behind its sends'. The check runs on
 * every packet, so it is watched only while a probe is out (the heartbeat's `answers$`).
 */
export function acksOf(socket: Socket): Observable<void> {
  return new Observable<void>((subscriber) => {
    const onPacket = (packet: { type?: string; data?: unknown }) => {
      if (packet.type === 'message' && typeof packet.data === 'string' && (packet.data[0] === '3' || packet.data[0] === '6')) subscriber.next();
    };
    const engine = socket.io.engine as unknown as Engine;
    engine?.on?.('packet', onPacket);
    return () => engine?.off?.('packet', onPacket);
  });
}
