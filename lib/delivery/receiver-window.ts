/**
 * The receiving side of confirmed delivery for ONE sender instance (sender uid +
 * epoch), as a pure function over an immutable state. Messages are handed over in
 * seq order, each once; a later one waits in a bounded reorder buffer for the ones
 * before it. `next` is the lowest seq not yet settled: everything below it was handed
 * over, or was given up by the sender (its `floor` moved past it).
 *
 * The hand-over itself is the `handOver` callback (the engine dispatches to the
 * application there); it answers false when nobody takes the message (no subscriber),
 * and then nothing advances: the message is not confirmed and stays in the buffer.
 */

export interface Arrival<T> {
  readonly seq: number;
  readonly floor: number;
  /** Deadline, ms since the Unix epoch (sender's clock). */
  readonly expires: number;
  readonly item: T;
}

export interface ReceiverWindowState<T> {
  /** The lowest seq not yet settled. */
  readonly next: number;
  /** Arrived, not yet handed over (seq → arrival); all seqs ≥ next and < next + window. */
  readonly buffer: ReadonlyMap<number, Arrival<T>>;
  /** Last arrival (ms), for idle expiry. */
  readonly lastSeen: number;
}

export interface ReceiverWindowConfig {
  /** Seqs at or beyond `next + window` are refused (and not buffered). */
  readonly window: number;
  /** A message is expired on arrival when `now > expires + skewTolerance`. */
  readonly skewTolerance: number;
}

export type ReceiveOutcome =
  /** Handed over now (possibly with buffered followers). */
  | 'delivered'
  /** Already handed over (or given up by the sender): confirm again, do not deliver. */
  | 'duplicate'
  /** Waiting for an earlier seq (or for a subscriber). */
  | 'buffered'
  /** Arrived after its deadline (+ tolerance): dropped, not confirmed. */
  | 'expired'
  /** Too far ahead of `next`: dropped, not buffered. */
  | 'beyond-window';

export interface ReceiveStep<T> {
  readonly state: ReceiverWindowState<T>;
  readonly outcome: ReceiveOutcome;
  /** Items handed over by this step, in order. */
  readonly delivered: readonly T[];
  /** Items dropped by this step (expired, or below a floor the sender moved). */
  readonly dropped: ReadonlyArray<{ readonly item: T; readonly expires: number; readonly reason: 'expired' | 'abandoned' }>;
  /** True when a confirmation (of `state.next`) is due. */
  readonly confirm: boolean;
}

/** The state for a sender instance seen for the first time: it starts at the message's floor. */
export const freshWindow = <T>(floor: number, now: number): ReceiverWindowState<T> => ({ next: floor, buffer: new Map(), lastSeen: now });

export const isExpired = (expires: number, now: number, c: ReceiverWindowConfig): boolean => now > expires + c.skewTolerance;

export function receive<T>(s: ReceiverWindowState<T>, c: ReceiverWindowConfig, a: Arrival<T>, now: number, handOver: (item: T) => boolean): ReceiveStep<T> {
  const dropped: Array<{ item: T; expires: number; reason: 'expired' | 'abandoned' }> = [];
  let next = s.next;
  let buffer = s.buffer;
  // The sender settled everything below its floor: stop waiting for it.
  if (a.floor > next) {
    if (buffer.size > 0) {
      const kept = new Map<number, Arrival<T>>();
      for (const [seq, b] of buffer) {
        if (seq < a.floor) dropped.push({ item: b.item, expires: b.expires, reason: 'abandoned' });
        else kept.set(seq, b);
      }
      buffer = kept;
    }
    next = a.floor;
  }
  // In order with nothing waiting (the usual case): handed over without a buffer.
  if (a.seq === next && buffer.size === 0 && !isExpired(a.expires, now, c)) {
    if (!handOver(a.item)) {
      return { state: { next, buffer: new Map([[a.seq, a]]), lastSeen: now }, outcome: 'buffered', delivered: [], dropped, confirm: false };
    }
    return { state: { next: next + 1, buffer, lastSeen: now }, outcome: 'delivered', delivered: [a.item], dropped, confirm: true };
  }
  let outcome: ReceiveOutcome;
  if (a.seq < next) outcome = 'duplicate';
  else if (a.seq >= next + c.window) outcome = 'beyond-window';
  else if (isExpired(a.expires, now, c)) {
    outcome = 'expired';
    dropped.push({ item: a.item, expires: a.expires, reason: 'expired' });
    if (buffer.has(a.seq)) {
      const b = new Map(buffer);
      b.delete(a.seq);
      buffer = b;
    }
  } else {
    outcome = 'buffered';
    if (!buffer.has(a.seq)) {
      const b = new Map(buffer);
      b.set(a.seq, a);
      buffer = b;
    }
  }
  // Hand over what is contiguous from `next`.
  const delivered: T[] = [];
  if (buffer.has(next)) {
    const b = new Map(buffer);
    for (let head = b.get(next); head !== undefined; head = b.get(next)) {
      if (isExpired(head.expires, now, c)) {
        // Not handed over and not confirmed; the sender's floor will move past it.
        b.delete(next);
        dropped.push({ item: head.item, expires: head.expires, reason: 'expired' });
        break;
      }
      if (!handOver(head.item)) break;
      b.delete(next);
      delivered.push(head.item);
      next++;
    }
    buffer = b;
  }
  if (outcome === 'buffered' && delivered.length > 0) outcome = 'delivered';
  const state: ReceiverWindowState<T> = { next, buffer, lastSeen: now };
  return { state, outcome, delivered, dropped, confirm: delivered.length > 0 || outcome === 'duplicate' };
}
