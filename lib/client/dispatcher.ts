import type { RexsysMessage } from '../protocol/codecs.js';

type Listener = (message: RexsysMessage) => void;

/**
 * Routes each message in O(1) to the listeners of its command (a map from command to
 * listeners), plus the listeners of every message. Listeners added or removed during a
 * dispatch are handled as `Set` iteration does.
 */
export class Dispatcher {
  private readonly every = new Set<Listener>();
  private readonly byCommand = new Map<string, Set<Listener>>();

  /** Adds a listener for one command, or for every message (`command` undefined). Returns its removal. */
  add(command: string | undefined, listener: Listener): () => void {
    if (command === undefined) {
      this.every.add(listener);
      return () => this.every.delete(listener);
    }
    let set = this.byCommand.get(command);
    if (!set) this.byCommand.set(command, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.byCommand.get(command);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.byCommand.delete(command);
    };
  }

  /** True when a listener would get a message of `command` (confirmed delivery confirms only then). */
  listens(command: string): boolean {
    return this.every.size > 0 || this.byCommand.has(command);
  }

  dispatch(message: RexsysMessage): void {
    for (const l of this.every) l(message);
    const set = this.byCommand.get(message.command);
    if (set) for (const l of set) l(message);
  }

  /** Listener count (for leak checks). */
  get size(): number {
    let n = this.every.size;
    for (const s of this.byCommand.values()) n += s.size;
    return n;
  }
}
