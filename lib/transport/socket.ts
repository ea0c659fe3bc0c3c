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
