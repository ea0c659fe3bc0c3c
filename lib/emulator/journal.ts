/**
 * The emulator's record of what it routed and what it dropped (the `delivered()` and
 * `dropped()` test hooks), with a line to the logger for each.
 */
import type { DeliveredMessage, DroppedMessage } from './types.js';

/** Keeps every routed and dropped message, oldest first. */
export class Journal {
  private readonly deliveredList: DeliveredMessage[] = [];
  private readonly droppedList: DroppedMessage[] = [];

  constructor(private readonly log: (line: string) => void) {}

  delivered(message: DeliveredMessage, sockets: number): void {
    this.deliveredList.push(message);
    this.log(
      `${message.via} ${message.project}/${message.channel} ${message.sender} -> ${message.receiver} "${message.command}" delivered to ${sockets} socket(s)`,
    );
  }

  dropped(message: DroppedMessage, detail?: string): void {
    this.droppedList.push(message);
    const what = message.command !== undefined ? ` "${message.command}"` : '';
    const to = message.receiver !== undefined ? ` to ${message.receiver}` : '';
    this.log(`${message.via} message${what}${to} dropped: ${message.reason}${detail ? ` (${detail})` : ''}`);
  }

  deliveredSnapshot(): ReadonlyArray<DeliveredMessage> {
    return this.deliveredList.slice();
  }

  droppedSnapshot(): ReadonlyArray<DroppedMessage> {
    return this.droppedList.slice();
  }
}
