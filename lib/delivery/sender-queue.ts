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
  /** The caller's own (its waiting subscriber): never read here, carried along with the entry. */
  readonly ref?: unknown;
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
  message: { readonly id: string; readonly command: string; readonly data: unknown; readonly expires: number; readonly ref?: unknown },
  now: number,
): SenderStep {
  const pending = s.pending.slice();
  pending.push(entryOf(s.nextSeq, message.id, message.command, message.data, message.expires, undefined, message.ref));
  return plan(s.nextSeq + 1, pending, s.mode, s.probeInterval, s.nextProbeAt, c, now, []);
}

/**
 * A confirmation from the receiver: every pending seq below `upTo` was handed to its
 * application. `upTo` beyond what was ever sent is ignored (returns `bogus: true`).
 */
export function acknowledge(s: SenderQueueState, c: SenderQueueConfig, upTo: number, now: number): SenderStep & { readonly bogus: boolean } {
  if (upTo > s.nextSeq) return withBogus(tick(s, c, now), true);
  const effects: SenderEffect[] = [];
  let i = 0;
  while (i < s.pending.length && s.pending[i].seq < upTo) effects.push({ type: 'confirmed', entry: s.pending[i++] });
  // Nothing new, but the receiver is there: a silent spell may be over, probe now.
  if (i === 0) return withBogus(resume(s, c, now), false);
  let pending = s.pending.slice(i);
  // Out of the silence: what went out while probing (or never) goes again, once.
  if (s.mode === 'probe') pending = pending.map((e) => (e.lastTx === undefined ? e : entryOf(e.seq, e.id, e.command, e.data, e.expires, undefined, e.ref)));
  return withBogus(plan(s.nextSeq, pending, 'open', 0, undefined, c, now, effects), false);
}

/** Removes one message (its sender unsubscribed); the floor moves past it. */
export function cancel(s: SenderQueueState, c: SenderQueueConfig, id: string, now: number): SenderStep {
  const entry = s.pending.find((e) => e.id === id);
  if (!entry) return tick(s, c, now);
  return plan(
    s.nextSeq,
    s.pending.filter((e) => e !== entry),
    s.mode,
    s.probeInterval,
    s.nextProbeAt,
    c,
    now,
    [{ type: 'cancelled', entry }],
  );
}

/**
 * A sign that the receiver may be reachable again (it sent a confirmation, or this
 * client just logged in): while probing, the next probe goes now, unless the head went
 * out less than `retransmitAfter` ago (so a flood of such signs is no hot loop).
 */
export function resume(s: SenderQueueState, c: SenderQueueConfig, now: number): SenderStep {
  if (s.mode !== 'probe' || s.pending.length === 0) return tick(s, c, now);
  const last = s.pending[0].lastTx;
  if (last !== undefined && last + c.retransmitAfter > now) return tick(s, c, now);
  return plan(s.nextSeq, s.pending.slice(), s.mode, s.probeInterval, now, c, now, []);
}

/** The clock moved: expire, retransmit, probe. */
export function tick(s: SenderQueueState, c: SenderQueueConfig, now: number): SenderStep {
  return plan(s.nextSeq, s.pending.slice(), s.mode, s.probeInterval, s.nextProbeAt, c, now, []);
}

// (Not `{ ...step, bogus }`: V8 copies a spread object fast, but adding a property to the copy is slow, ~1.5 µs.)
const withBogus = (step: SenderStep, bogus: boolean): SenderStep & { readonly bogus: boolean } => ({
  state: step.state,
  effects: step.effects,
  wakeAt: step.wakeAt,
  bogus,
});

/** One pending entry; every entry has the same fields in the same order (one shape). */
function entryOf(seq: number, id: string, command: string, data: unknown, expires: number, lastTx: number | undefined, ref: unknown): PendingEntry {
  return { seq, id, command, data, expires, lastTx, ref };
}

/**
 * The decisions common to every event, on a new state: `pending` is a fresh array that
 * this function may change (the caller's state is never touched).
 */
function plan(
  nextSeq: number,
  pending: PendingEntry[],
  mode: 'open' | 'probe',
  probeInterval: number,
  nextProbeAt: number | undefined,
  c: SenderQueueConfig,
  now: number,
  effects: SenderEffect[],
): SenderStep {
  // 1. Expiry (and the earliest deadline left, for wakeAt).
  let earliest = Infinity;
  let expired = false;
  for (let i = 0; i < pending.length; i++) {
    const x = pending[i].expires;
    if (x <= now) expired = true;
    else if (x < earliest) earliest = x;
  }
  if (expired) {
    let k = 0;
    for (let i = 0; i < pending.length; i++) {
      const e = pending[i];
      if (e.expires <= now) effects.push({ type: 'expired', entry: e });
      else pending[k++] = e;
    }
    pending.length = k;
  }
  if (pending.length === 0) {
    return { state: { nextSeq, pending, mode: 'open', probeInterval: 0 }, effects, wakeAt: undefined };
  }
  const floor = pending[0].seq;
  // 2. A silent receiver: the head is overdue.
  const head = pending[0];
  if (mode === 'open' && head.lastTx !== undefined && head.lastTx + c.retransmitAfter <= now) {
    mode = 'probe';
    probeInterval = Math.min(c.retransmitAfter * 2, c.maxProbeInterval);
    nextProbeAt = now + probeInterval;
    transmit(pending, 0, floor, now, effects);
  } else if (mode === 'probe' && nextProbeAt !== undefined && nextProbeAt <= now) {
    probeInterval = Math.min(probeInterval * 2, c.maxProbeInterval);
    nextProbeAt = now + probeInterval;
    transmit(pending, 0, floor, now, effects);
  }
  // 3. Open: everything inside the window that has not gone yet goes now.
  if (mode === 'open') {
    const end = floor + c.window;
    for (let i = 0; i < pending.length && pending[i].seq < end; i++) if (pending[i].lastTx === undefined) transmit(pending, i, floor, now, effects);
  }
  if (mode !== 'probe') nextProbeAt = undefined;
  // wakeAt (as wakeAtOf): the earliest expiry, retransmit or probe.
  let at = earliest;
  if (mode === 'probe') {
    if (nextProbeAt !== undefined && nextProbeAt < at) at = nextProbeAt;
  } else if (pending[0].lastTx !== undefined && pending[0].lastTx + c.retransmitAfter < at) at = pending[0].lastTx + c.retransmitAfter;
  return { state: { nextSeq, pending, mode, probeInterval, nextProbeAt }, effects, wakeAt: at === Infinity ? undefined : at };
}

function transmit(pending: PendingEntry[], i: number, floor: number, now: number, effects: SenderEffect[]): void {
  const e = pending[i];
  const sent = entryOf(e.seq, e.id, e.command, e.data, e.expires, now, e.ref);
  pending[i] = sent;
  effects.push({ type: 'transmit', entry: sent, floor });
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
