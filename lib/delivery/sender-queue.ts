/**
 * The sending side of confirmed delivery for ONE receiver, as pure functions over an
 * immutable state: no timers, no I/O. The engine feeds it events (a new send, a
 * confirmation, a cancel, the clock) and carries out the effects it returns
 * (transmit, confirmed, expired), waking it again at `wakeAt`.
 *
 * Policy:
 * - `open` (the receiver answers): a new message is transmitted at once while it is
 *   inside the window (`seq < floor + window`).
 * - When the head (lowest pending seq) has waited `retransmitAfter` ms since it was
 *   last transmitted, the receiver is taken as silent: `probe` mode transmits ONLY the
 *   head, again after 2×, 4×, … `retransmitAfter` (capped at `maxProbeInterval`);
 *   new messages wait.
 * - A confirmation that settles something returns to `open`; coming out of `probe`,
 *   the rest of the window is transmitted once more (it was sent into the silence).
 * - A message whose `expires` has passed leaves the queue as `expired`; the floor
 *   moves past it, which tells the receiver not to wait for it.
 */

/** One pending message. */
export interface PendingEntry {
  readonly seq: number;
  readonly id: string;
  readonly command: string;
  /** The application data (already through the command's codec). */
  readonly data: unknown;
  /** Deadline, ms since the Unix epoch. */
  readonly expires: number;
  /** When it was last transmitted; undefined: not yet (or due again). */
  readonly lastTx?: number;
}

export interface SenderQueueState {
  /** The seq of the next new message. */
  readonly nextSeq: number;
  /** Pending messages, ascending seq. */
  readonly pending: readonly PendingEntry[];
  readonly mode: 'open' | 'probe';
  /** The current probe interval (probe mode). */
  readonly probeInterval: number;
  /** When the next probe goes (probe mode). */
  readonly nextProbeAt?: number;
}

export interface SenderQueueConfig {
  /** Ms without a confirmation after which the head is retransmitted (and probing starts). */
  readonly retransmitAfter: number;
  /** Upper bound of the probe interval. */
  readonly maxProbeInterval: number;
  /** At most this many seqs past the floor are on the wire. */
  readonly window: number;
}

export type SenderEffect =
  | { readonly type: 'transmit'; readonly entry: PendingEntry; readonly floor: number }
  | { readonly type: 'confirmed'; readonly entry: PendingEntry }
  | { readonly type: 'expired'; readonly entry: PendingEntry }
  | { readonly type: 'cancelled'; readonly entry: PendingEntry };

export interface SenderStep {
  readonly state: SenderQueueState;
  readonly effects: readonly SenderEffect[];
  /** When the queue wants `tick` next (undefined: nothing pending). */
  readonly wakeAt: number | undefined;
}

export const emptySenderQueue = (): SenderQueueState => ({ nextSeq: 0, pending: [], mode: 'open', probeInterval: 0 });

/** The lowest seq still pending (everything below is settled), carried in every envelope. */
export const floorOf = (s: SenderQueueState): number => (s.pending.length > 0 ? s.pending[0].seq : s.nextSeq);

/** Adds a new message (it gets the next seq) and transmits what may go now. */
export function enqueue(
  s: SenderQueueState,
  c: SenderQueueConfig,
  message: { readonly id: string; readonly command: string; readonly data: unknown; readonly expires: number },
  now: number,
): SenderStep {
  const entry: PendingEntry = { seq: s.nextSeq, ...message };
  return plan({ ...s, nextSeq: s.nextSeq + 1, pending: [...s.pending, entry] }, c, now, []);
}

/**
 * A confirmation from the receiver: every pending seq below `upTo` was handed to its
 * application. `upTo` beyond what was ever sent is ignored (returns `bogus: true`).
 */
export function acknowledge(s: SenderQueueState, c: SenderQueueConfig, upTo: number, now: number): SenderStep & { readonly bogus: boolean } {
  if (upTo > s.nextSeq) return { ...plan(s, c, now, []), bogus: true };
  const effects: SenderEffect[] = [];
  let i = 0;
  while (i < s.pending.length && s.pending[i].seq < upTo) effects.push({ type: 'confirmed', entry: s.pending[i++] });
  // Nothing new, but the receiver is there: a silent spell may be over, probe now.
  if (i === 0) return { ...plan(hurry(s, c, now), c, now, []), bogus: false };
  let pending = s.pending.slice(i);
  // Out of the silence: what went out while probing (or never) goes again, once.
  if (s.mode === 'probe') pending = pending.map((e) => (e.lastTx === undefined ? e : { ...e, lastTx: undefined }));
  return { ...plan({ ...s, pending, mode: 'open', probeInterval: 0, nextProbeAt: undefined }, c, now, effects), bogus: false };
}

/** Removes one message (its sender unsubscribed); the floor moves past it. */
export function cancel(s: SenderQueueState, c: SenderQueueConfig, id: string, now: number): SenderStep {
  const entry = s.pending.find((e) => e.id === id);
  if (!entry) return plan(s, c, now, []);
  return plan({ ...s, pending: s.pending.filter((e) => e !== entry) }, c, now, [{ type: 'cancelled', entry }]);
}

/**
 * A sign that the receiver may be reachable again (it sent a confirmation, or this
 * client just logged in): while probing, the next probe goes now, unless the head went
 * out less than `retransmitAfter` ago (so a flood of such signs is no hot loop).
 */
export function resume(s: SenderQueueState, c: SenderQueueConfig, now: number): SenderStep {
  return plan(hurry(s, c, now), c, now, []);
}

function hurry(s: SenderQueueState, c: SenderQueueConfig, now: number): SenderQueueState {
  if (s.mode !== 'probe' || s.pending.length === 0) return s;
  const last = s.pending[0].lastTx;
  if (last !== undefined && last + c.retransmitAfter > now) return s;
  return { ...s, nextProbeAt: now };
}

/** The clock moved: expire, retransmit, probe. */
export function tick(s: SenderQueueState, c: SenderQueueConfig, now: number): SenderStep {
  return plan(s, c, now, []);
}

function plan(s: SenderQueueState, c: SenderQueueConfig, now: number, effects: SenderEffect[]): SenderStep {
  // 1. Expiry.
  let pending = s.pending;
  if (pending.some((e) => e.expires <= now)) {
    const kept: PendingEntry[] = [];
    for (const e of pending) {
      if (e.expires <= now) effects.push({ type: 'expired', entry: e });
      else kept.push(e);
    }
    pending = kept;
  }
  let { mode, probeInterval, nextProbeAt } = s;
  if (pending.length === 0) {
    return { state: { nextSeq: s.nextSeq, pending, mode: 'open', probeInterval: 0 }, effects, wakeAt: undefined };
  }
  const floor = pending[0].seq;
  const out = pending.slice();
  const transmit = (i: number) => {
    out[i] = { ...out[i], lastTx: now };
    effects.push({ type: 'transmit', entry: out[i], floor });
  };
  // 2. A silent receiver: the head is overdue.
  const head = out[0];
  if (mode === 'open' && head.lastTx !== undefined && head.lastTx + c.retransmitAfter <= now) {
    mode = 'probe';
    probeInterval = Math.min(c.retransmitAfter * 2, c.maxProbeInterval);
    nextProbeAt = now + probeInterval;
    transmit(0);
  } else if (mode === 'probe' && nextProbeAt !== undefined && nextProbeAt <= now) {
    probeInterval = Math.min(probeInterval * 2, c.maxProbeInterval);
    nextProbeAt = now + probeInterval;
    transmit(0);
  }
  // 3. Open: everything inside the window that has not gone yet goes now.
  if (mode === 'open') {
    for (let i = 0; i < out.length && out[i].seq < floor + c.window; i++) if (out[i].lastTx === undefined) transmit(i);
  }
  const state: SenderQueueState = { nextSeq: s.nextSeq, pending: out, mode, probeInterval, nextProbeAt: mode === 'probe' ? nextProbeAt : undefined };
  return { state, effects, wakeAt: wakeAtOf(state, c) };
}

/** When the queue next needs `tick`: the earliest expiry, retransmit or probe. */
export function wakeAtOf(s: SenderQueueState, c: SenderQueueConfig): number | undefined {
  if (s.pending.length === 0) return undefined;
  let at = Infinity;
  for (const e of s.pending) if (e.expires < at) at = e.expires;
  const head = s.pending[0];
  if (s.mode === 'probe' && s.nextProbeAt !== undefined) at = Math.min(at, s.nextProbeAt);
  else if (s.mode === 'open' && head.lastTx !== undefined) at = Math.min(at, head.lastTx + c.retransmitAfter);
  return at === Infinity ? undefined : at;
}
