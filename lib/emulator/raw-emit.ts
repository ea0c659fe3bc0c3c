/**
 * Writing an EVENT packet straight to a socket's connection. Node's socket.io refuses
 * `emit()` with reserved names such as `connect`, but a Rexsys server sends exactly that
 * (its hello, docs/protocol.md, "The socket"); the emulator reproduces it by writing the packet itself.
 */
import type { Socket } from 'socket.io';

/** socket.io's reserved event names, which `socket.emit()` refuses. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

const EVENT_PACKET = 2; // socket.io-parser PacketType.EVENT

/** The private part of socket.io 4's `Socket` used here (`lib/socket.ts`, `packet()`). */
interface PacketWriter {
  packet(packet: { type: number; data: unknown[] }, opts?: Record<string, unknown>): void;
}

/**
 * Sends `[event, ...args]` as an EVENT packet on the socket's namespace, bypassing the
 * reserved-name check. Works before the namespace CONNECT packet was sent (inside a
 * namespace middleware), which is how the `'before'` hello order is produced.
 */
export function writeEvent(socket: Socket, event: string, ...args: unknown[]): void {
  (socket as unknown as PacketWriter).packet({ type: EVENT_PACKET, data: [event, ...args] });
}

/** `socket.emit(event, payload)`, or {@link writeEvent} when `event` is a reserved name. */
export function emitAny(socket: Socket, event: string, payload: unknown): void {
  if (RESERVED_EVENTS.has(event)) writeEvent(socket, event, payload);
  else socket.emit(event, payload);
}
