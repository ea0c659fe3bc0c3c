/**
 * The responder's memory of recent requests, bounded (least recently used first out):
 * a request id seen again while its handler runs is ignored (the reply will come); one
 * seen again after it was answered gets the same reply again, without running the
 * handler. Keyed by requester and request id (ids are the requester's, so two
 * requesters may pick the same one).
 */
import type { ReplyPayload } from './wire.js';

export type CachedRequest = { readonly state: 'running' } | { readonly state: 'answered'; readonly reply: ReplyPayload };

export class ReplyCache {
  private readonly entries = new Map<string, CachedRequest>();

  constructor(private readonly capacity: number) {}

  private static key(sender: string, id: string): string {
    return `${sender}\0${id}`;
  }

  get(sender: string, id: string): CachedRequest | undefined {
    const key = ReplyCache.key(sender, id);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit); // most recently used last
    }
    return hit;
  }

  set(sender: string, id: string, value: CachedRequest): void {
    const key = ReplyCache.key(sender, id);
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}
