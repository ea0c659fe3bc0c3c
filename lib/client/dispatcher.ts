import type { RexsysMessage } from '../protocol/codecs.js';

type Listener = (message: RexsysMessage) => void;

/**
 * Routes each message in O(1) to the listeners of its command (a map from command to
 * listeners), plus the listeners of every message. A listener removed during a dispatch
 * is not called again. A command's only listener is kept as is, not in a `Set` (the
 * common case, and with 1,000 streams each object a message touches is a likely cache
 * miss); so a listener added during a dispatch gets the message being dispatched only
 * when its command already had several listeners (as `Set` iteration does), else the
 * next one.
 */
export class Dispatcher {
  private readonly every = new Set<Listener>();
  private readonly byCommand = new Map<string, Listener | Set<Listener>>();

  /** Adds a listener for one command, or for every message (`command` undefined). Returns its removal. */
  add(command: string | undefined, listener: Listener): () => void {
    if (command === undefined) {
      this.every.add(listener);
      return () => this.every.delete(listener);
    }
    const entry = this.byCommand.get(command);
    if (entry === undefined) this.byCommand.set(command, listener);
    else if (typeof entry === 'function') this.byCommand.set(command, new Set([entry, listener]));
    else entry.add(listener);
    return () => {
      const current = this.byCommand.get(command);
      if (current === listener) this.byCommand.delete(command);
      else if (current !== undefined && typeof current !== 'function') {
        current.delete(listener);
        if (current.size === 0) this.byCommand.delete(command);
      }
    };
  }

  /** True when a listener would get a message of `command` (confirmed delivery confirms only then). */
  listens(command: string): boolean {
    return this.every.size > 0 || this.byCommand.has(command);
  }

  dispatch(message: RexsysMessage): void {
    if (this.every.size > 0) for (const l of this.every) l(message);
    const entry = this.byCommand.get(message.command);
    if (entry === undefined) return;
    if (typeof entry === 'function') entry(message);
    else for (const l of entry) l(message);
  }

  /** Listener count (for leak checks). */
  get size(): number {
    let n = this.every.size;
    for (const s of this.byCommand.values()) n += typeof s === 'function' ? 1 : s.size;
    return n;
  }
}
