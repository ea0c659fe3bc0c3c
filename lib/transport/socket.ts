import { Manager, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { helloParser } from '../protocol/hello-parser.js';

/** socket.io-client options a user may pass through (`path`, `transports`, `extraHeaders`…). */
export type SocketIoOptions = Partial<ManagerOptions & SocketOptions>;

/**
 * A socket.io-client socket for a Rexsys namespace, with the hello fix installed and
 * socket.io's own reconnection and auto-connect turned off: the client decides when to
 * connect, so nothing opens at construction and retries follow its backoff.
 *
 * Each call makes its own Manager (never socket.io's shared cache), so two clients in
 * one page never share a socket by accident.
 */
export function createSocket(url: string, namespace: string, options: SocketIoOptions = {}, connectTimeout = 10_000): Socket {
  const manager = new Manager(new URL(url).origin, {
    timeout: connectTimeout,
    ...options,
    autoConnect: false,
    reconnection: false,
    parser: helloParser,
  });
  return manager.socket(namespace, { auth: options.auth ?? {} });
}

/**
 * True when an emit on `socket` is encoded and written at once: connected, and socket.io's
 * ping not overdue. An overdue ping (`Engine#_hasPingExpired`, internal: a timer throttled
 * in a background tab) means socket.io presumes the link dead: it would put the emit in its
 * send buffer, unencoded (never flushed on these sockets: no `request` may wait there), and
 * closes the link on the next tick. A version without that check counts as not overdue.
 */
export function writable(socket: Socket): boolean {
  if (!socket.connected) return false;
  const engine = socket.io?.engine as unknown as { _hasPingExpired?: () => boolean } | undefined;
  return engine?._hasPingExpired?.() !== true;
}

/** socket.io's table of the acks a socket waits for (internal; undefined when a version has none). */
export function ackTable(socket: Socket): Record<string, unknown> | undefined {
  const acks = (socket as unknown as { acks?: unknown }).acks;
  return typeof acks === 'object' && acks !== null ? (acks as Record<string, unknown>) : undefined;
}
