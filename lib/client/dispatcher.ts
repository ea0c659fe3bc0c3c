import type { RexsysMessage } from '../protocol/codecs.js';

/** What the dispatcher calls: an rxjs `Subscriber` as it is, or any `{ next }`. */
export interface MessageObserver {
  next(message: RexsysMessage): void;
}

/**
 * Routes each message in O(1) to the observers of its command (a map from command to
 * observers), plus the observers of every message. A stream's own `Subscriber` is the
 * observer (no closure in between: with 1,000 streams and traffic spread over them, each
 * object a message touches is a likely cache miss), and a command's only observer is kept
 * as is, not in a `Set` (the common case). An observer removed during a dispatch is not
 * called again; one added during a dispatch gets the message being dispatched only when
 * its command already had several observers (as `Set` iteration does), else the next one.
 */
export class Dispatcher {
  private readonly every = new Set<MessageObserver>();
  private readonly byCommand = new Map<string, MessageObserver | Set<MessageObserver>>();

  /** Adds an observer of one command, or of every message (`command` undefined). Returns its removal. */
  add(command: string | undefined, observer: MessageObserver): () => void {
    if (command === undefined) {
      this.every.add(observer);
      return () => this.every.delete(observer);
    }
    const entry = this.byCommand.get(command);
    if (entry === undefined) this.byCommand.set(command, observer);
    else if (entry instanceof Set) entry.add(observer);
    else this.byCommand.set(command, new Set([entry, observer]));
    return () => {
      const current = this.byCommand.get(command);
      if (current === observer) this.byCommand.delete(command);
      else if (current instanceof Set) {
        current.delete(observer);
        if (current.size === 0) this.byCommand.delete(command);
      }
    };
  }

  /** True when an observer would get a message of `command` (confirmed delivery confirms only then). */
  listens(command: string): boolean {
    return this.every.size > 0 || this.byCommand.has(command);
  }

  dispatch(message: RexsysMessage): void {
    if (this.every.size > 0) for (const o of this.every) o.next(message);
    const entry = this.byCommand.get(message.command);
    if (entry === undefined) return;
    if (entry instanceof Set) for (const o of entry) o.next(message);
    else entry.next(message);
  }

  /** Observer count (for leak checks). */
  get size(): number {
    let n = this.every.size;
    for (const s of this.byCommand.values()) n += s instanceof Set ? s.size : 1;
    return n;
  }
}
