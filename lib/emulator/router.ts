/**
 * Routing a message to the sockets of its receiver, shared by socket `request`s and
 * REST sends.
 */
import type { Journal } from './journal.js';
import type { SessionRegistry } from './registry.js';
import type { EmulatorChannel, EmulatorVia } from './types.js';

/** True for the two channels a project has. */
export function isChannel(value: unknown): value is EmulatorChannel {
  return value === 'client' || value === 'user';
}

/** A message ready to route: `sender` is already stamped by the emulator. */
export interface RoutedMessage {
  readonly via: EmulatorVia;
  readonly project: string;
  readonly channel: EmulatorChannel;
  readonly sender: string;
  readonly receiver: string;
  readonly command: string;
  readonly data: unknown;
}

/**
 * Emits `touid` `{ command, data, sender, receiver, channel }` to every logged-in socket
 * of `receiver` in the project+channel namespace and records the outcome. Returns the
 * number of sockets it went to (0 when the receiver is offline: recorded as dropped,
 * nothing is stored for later).
 */
export function route(message: RoutedMessage, sessions: SessionRegistry, journal: Journal): number {
  const { via, project, channel, sender, receiver, command, data } = message;
  const targets = sessions.loggedIn(receiver, { project, channel });
  if (targets.length === 0) {
    journal.dropped({ reason: 'receiver offline', via, receiver, command });
    return 0;
  }
  const touid = { command, data, sender, receiver, channel };
  for (const target of targets) target.socket.emit('touid', touid);
  journal.delivered({ via, project, channel, sender, receiver, command, data, at: Date.now() }, targets.length);
  return targets.length;
}
