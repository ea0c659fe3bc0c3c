/**
 * Confirmed delivery, both ends, for one client. Transport-agnostic: it talks to the
 * client only through a {@link DeliveryHost} (a plain send, hand-over to the
 * application, a connection hold, ids, a clock and a scheduler), so it runs in virtual
 * time in tests. The decisions are the pure reducers of `sender-queue.ts` and
 * `receiver-window.ts`; this class keeps their states, timers and subscribers.
 */
import { Observable, Subject, type SchedulerLike, type Subscriber, type Subscription, type TeardownLogic } from 'rxjs';
import { RexsysClosedError, RexsysSendError, RexsysStoreError, type RexsysError } from '../errors.js';
import type { RexsysMessage } from '../protocol/codecs.js';
import type { SendReceipt, Via } from '../client/types.js';
import { envelopeError, expiredError, unconfirmedError } from './delivery-errors.js';
import type { ResolvedDeliveryOptions } from './delivery-options.js';
import { CONFIRM_COMMAND, confirmEnvelope, messageEnvelope, parseEnvelope, type MessageEnvelope } from './envelope.js';
import { receive as receiveInWindow, freshWindow, type ReceiverWindowState } from './receiver-window.js';
import {
  acknowledge,
  cancel,
  emptySenderQueue,
  enqueue,
  resume,
  tick,
  wakeAtOf,
  type PendingEntry,
  type SenderQueueState,
  type SenderStep,
} from './sender-queue.js';
// durable outbox (lib/store, issue #15)
import { sendJson, sizeOf } from '../store/records.js';
import { storeContextOf, type RexsysStore, type StoreChange, type StoreConnection, type StoredSend } from '../store/types.js';
import type { DeliveryOutcome, PendingSend } from '../store/outbox.js';

/** What the engine needs from its client. */
export interface DeliveryHost {
  /**
   * One plain send (no confirmation of its own): emits a receipt or errors. `ack: false`
   * asks the server for no ack, so a socket send completes once emitted: a message's
   * first copy (its confirmation is its receipt) and confirmations (a lost one is made
   * good by the next). A copy sent again waits for its ack, which keeps one stuck on a
   * dead link from being sent again on top of it.
   */
  transmit(receiver: string, command: string, data: unknown, via: Via, timeout: number, ack: boolean): Observable<SendReceipt>;
  /** Hands a message to the application's subscribers; false when nobody listens to it. */
  handOver(message: RexsysMessage): boolean;
  /** Holds the connection open (confirmations arrive over the socket); returns the release. */
  hold(): () => void;
  /** A fresh random id (message ids and the epoch). */
  uid(): string;
  /** Wall clock, ms since the Unix epoch (deadlines travel between machines). */
  now(): number;
  /** Timers. */
  readonly scheduler: SchedulerLike;
  /**
   * Runs `work` at the end of the current turn of the event loop (e.g. `queueMicrotask`),
   * after whatever else arrived in it. Without it, `scheduler` with no delay.
   */
  readonly soon?: (work: () => void) => void;
  /** Non-fatal errors (the client's `errors$`). */
  report(error: RexsysError): void;
}

/** Counters of what the engine did, for tests, benchmarks and `metrics`. */
export interface DeliveryCounters {
  /** Confirmed sends started. */
  sends: number;
  /** Envelopes handed to the transport (first sends, retransmits, probes). */
  transmissions: number;
  /** Sends confirmed by their receiver. */
  confirmed: number;
  /** Sends failed with E_UNCONFIRMED. */
  unconfirmed: number;
  /** Confirmed messages handed to this client's application. */
  handedOver: number;
  /** Retransmits of messages already handed over (confirmed again, not delivered). */
  duplicates: number;
  /** Messages dropped on arrival (or in the buffer) after their deadline. */
  expired: number;
  /** Buffered messages dropped because their sender gave up on them, or forgot by expiry/eviction. */
  abandoned: number;
  /** Arrivals refused for a seq beyond the window. */
  beyondWindow: number;
  /** Arrivals held because nobody subscribes to their command. */
  unheard: number;
  /** Confirmations sent (each may cover many messages). */
  confirmationsSent: number;
  /** Confirmations for another epoch or an unknown receiver (ignored). */
  staleConfirmations: number;
  /** Malformed or forged envelopes and confirmations (ignored, reported). */
  invalid: number;
}

interface Waiter {
  /** Restored from the store: nobody subscribes to it (its outcome is on `outcomes$`). */
  readonly restored?: boolean;
  readonly receiver: string;
  readonly command: string;
  readonly via: Via;
  readonly ttl: number;
  readonly timeout: number;
  lastVia?: 'socket' | 'rest';
  /** Settled, or its subscriber left: nothing more to tell it. */
  done?: boolean;
  settle(outcome: { receipt: SendReceipt } | { error: RexsysError }): void;
}

/** A pending entry's waiter (the queue carries it along as the entry's `ref`). */
const waiterOf = (entry: PendingEntry): Waiter | undefined => entry.ref as Waiter | undefined;

interface QueueSlot {
  /** The sender instance its envelopes carry: this engine's, or a restored one. */
  readonly epoch: string;
  state: SenderQueueState;
  /** seq → the transmission of it still in the transport (one copy at a time). */
  readonly sending: Map<number, Subscription>;
  /** The highest seq transmitted so far: a higher one goes for the first time. */
  sentUpTo: number;
  timer?: Subscription;
  timerAt?: number;
}

interface WindowSlot {
  readonly sender: string;
  readonly epoch: string;
  state: ReceiverWindowState<RexsysMessage>;
  confirmDue: boolean;
  /** The latest deadline seen: until it passed, a retransmit may still come (and must be known as a duplicate). */
  latestExpiry: number;
  /** Forgotten (no longer in `windows`). */
  gone?: boolean;
  /** Changed since it was last written to the store (in `dirtyWindows`). */
  dirty?: boolean;
  /** The `upTo` of the last confirmation sent (at first: where the window started). */
  confirmedUpTo: number;
}

export class DeliveryEngine {
  /** This sender instance: every envelope carries it; a new client is a new sequence. */
  readonly epoch: string;
  readonly counters: DeliveryCounters = {
    sends: 0,
    transmissions: 0,
    confirmed: 0,
    unconfirmed: 0,
    handedOver: 0,
    duplicates: 0,
    expired: 0,
    abandoned: 0,
    beyondWindow: 0,
    unheard: 0,
    confirmationsSent: 0,
    staleConfirmations: 0,
    invalid: 0,
  };
  private readonly queues = new Map<string, QueueSlot>();
  /** sender + '\0' + epoch → window; Map order = least recently heard first. */
  private readonly windows = new Map<string, WindowSlot>();
  /** Confirmations still in the transport. */
  private readonly background = new Set<Subscription>();
  private confirmTimer: Subscription | undefined;
  /** When the pending confirmation timer fires (ms), if there is one. */
  private confirmAt = Infinity;
  /** A confirmation is due at the end of this turn (`host.soon`). */
  private confirmSoon = false;
  /** The window of the sender heard last (the last in `windows` order). */
  private lastHeard: WindowSlot | undefined;
  private lastConfirmFlush = -Infinity;
  private disposed = false;
  // ── durable outbox (lib/store, issue #15) ──
  /** Every settled confirmed send (`client.outbox.outcomes$`). */
  readonly outcomes = new Subject<DeliveryOutcome>();
  /** Resolves once the store is open and restored (at once without one). */
  readonly whenLoaded: Promise<void>;
  private resolveLoaded!: () => void;
  /** False while a store is opening: nothing is transmitted and arriving envelopes are ignored (the sender retransmits). */
  private ready = true;
  private store: StoreConnection | undefined;
  private storeLimits: { readonly maxEntries: number; readonly maxBytes: number } | undefined;
  private storeName = '';
  /** Changes made while an asynchronous store opens. */
  private storeBacklog: StoreChange[] = [];
  private readonly storedBytes = new Map<string, number>();
  private storedTotal = 0;
  /** receiver → restored sender instances (oldest first); the current queue waits until they are settled (order). */
  private readonly older = new Map<string, QueueSlot[]>();
  /** Windows changed since they were last written (each once: `dirty`). */
  private readonly dirtyWindows: WindowSlot[] = [];
  /** A flush of the windows is queued for the end of this turn. */
  private windowFlushQueued = false;
  private readonly flushWindowsLater = (): void => {
    this.windowFlushQueued = false;
    this.flushWindows();
  };
  // ── end durable outbox ──

  constructor(
    private readonly host: DeliveryHost,
    private readonly o: ResolvedDeliveryOptions,
  ) {
    this.epoch = host.uid();
    this.whenLoaded = new Promise<void>((resolve) => (this.resolveLoaded = resolve));
    this.resolveLoaded();
  }

  /** Pending confirmed sends (for leak checks). */
  get pendingCount(): number {
    let n = 0;
    for (const q of this.allSlots()) n += q.state.pending.length;
    return n;
  }

  /** Sender instances this receiver tracks (for leak checks). */
  get windowCount(): number {
    return this.windows.size;
  }

  /** Live timers and transport subscriptions (for leak checks: 0 when idle). */
  get activeCount(): number {
    let n = this.background.size + (this.confirmTimer ? 1 : 0);
    for (const q of this.allSlots()) n += q.sending.size + (q.timer ? 1 : 0);
    return n;
  }

  // ── sending ──────────────────────────────────────────────────────────────

  /**
   * One confirmed send, cold: emits one receipt `{ …, id, delivered: true }` once the
   * receiving client confirmed it, or errors `E_UNCONFIRMED` after `ttl` ms.
   * Unsubscribing gives it up (it is not sent again). Holds the connection meanwhile.
   */
  send(receiver: string, command: string, data: unknown, options: { via: Via; ttl?: number; timeout: number }): Observable<SendReceipt> {
    return new Observable<SendReceipt>((subscriber) => this.start(subscriber, receiver, command, data, options));
  }

  /**
   * {@link send} for a subscriber at hand (the client's `send` subscribes its own, without
   * an Observable in between). `report` sees each failure just before the subscriber
   * does. Returns the teardown.
   */
  start(
    subscriber: Subscriber<SendReceipt>,
    receiver: string,
    command: string,
    data: unknown,
    options: { via: Via; ttl?: number; timeout: number },
    report?: (error: RexsysError) => void,
  ): TeardownLogic {
    if (this.disposed) {
      const error = new RexsysClosedError('The client was closed before the send completed.');
      report?.(error);
      subscriber.error(error);
      return;
    }
    const ttl = options.ttl !== undefined && options.ttl > 0 ? options.ttl : this.o.ttl;
    const id = this.host.uid();
    const slot = this.slotFor(receiver);
    const now = this.host.now();
    const expires = now + ttl;
    // durable outbox: in the store before subscribe() returns (or refused when it is full).
    if (this.storeLimits) {
      const refused = this.storeSend({
        epoch: this.epoch,
        receiver,
        seq: slot.state.nextSeq,
        id,
        command,
        data,
        expires,
        via: options.via,
        timeout: options.timeout,
        ttl,
      });
      if (refused) {
        report?.(refused);
        subscriber.error(refused);
        return;
      }
    }
    const waiter = new SendWaiter(receiver, command, options.via, ttl, options.timeout, subscriber, this.host.hold(), report);
    this.counters.sends++;
    this.apply(receiver, slot, enqueue(slot.state, this.o, { id, command, data, expires, ref: waiter }, now));
    return () => {
      if (waiter.done) return;
      // Gone before its outcome: given up (not sent again), and nothing more to tell it.
      waiter.done = true;
      waiter.drop();
      this.apply(receiver, slot, cancel(slot.state, this.o, id, this.host.now()));
    };
  }

  private slotFor(receiver: string): QueueSlot {
    let slot = this.queues.get(receiver);
    // A slot stays after it empties: its nextSeq continues the sequence of this epoch.
    if (!slot) this.queues.set(receiver, (slot = { epoch: this.epoch, state: emptySenderQueue(), sending: new Map(), sentUpTo: -1 }));
    return slot;
  }

  private apply(receiver: string, slot: QueueSlot, step: SenderStep): void {
    slot.state = step.state;
    for (const effect of step.effects) {
      // A subscriber may close the client from inside its receipt: stop there.
      if (this.disposed) return;
      const { entry } = effect;
      if (effect.type === 'transmit') {
        // durable outbox: a queue waits for the store and for older (restored) instances to the same receiver.
        if (!this.blocked(receiver, slot)) this.transmit(receiver, slot, entry, effect.floor);
        continue;
      }
      this.stopTransmission(slot, entry.seq);
      const held = waiterOf(entry);
      const restored = held?.restored === true;
      // (one whose subscriber left is told nothing)
      const waiter = held !== undefined && !held.done ? held : undefined;
      if (waiter) waiter.done = true;
      if (this.storeLimits) this.unstore(receiver, slot.epoch, entry);
      // outcomes$: built only for someone who listens.
      const heard = this.outcomes.observed;
      if (effect.type === 'cancelled') {
        if (heard) this.outcomes.next({ status: 'cancelled', id: entry.id, receiver, command: entry.command, restored });
        waiter?.settle({ error: cancelledError(receiver, entry.command, entry.id) });
        continue;
      }
      if (!waiter) continue;
      if (effect.type === 'confirmed') {
        this.counters.confirmed++;
        const receipt: SendReceipt = {
          via: waiter.lastVia ?? (waiter.via === 'rest' ? 'rest' : 'socket'),
          receiver,
          command: entry.command,
          at: this.host.now(),
          id: entry.id,
          delivered: true,
        };
        if (heard) this.outcomes.next({ status: 'delivered', id: entry.id, receiver, command: entry.command, restored, receipt });
        waiter.settle({ receipt });
      } else if (effect.type === 'expired') {
        this.counters.unconfirmed++;
        const error = unconfirmedError(receiver, entry.command, entry.id, waiter.ttl);
        if (heard) this.outcomes.next({ status: 'unconfirmed', id: entry.id, receiver, command: entry.command, restored, error });
        waiter.settle({ error });
      }
    }
    // (a receipt's subscriber may have sent meanwhile: then the state is newer than the step)
    this.reschedule(receiver, slot, slot.state === step.state ? step.wakeAt : wakeAtOf(slot.state, this.o));
    // durable outbox: a restored instance fully settled lets the next one (or the current queue) go.
    const gens = this.older.get(receiver);
    if (gens && slot !== this.queues.get(receiver) && slot.state.pending.length === 0 && gens.includes(slot)) {
      slot.timer?.unsubscribe();
      slot.timer = undefined;
      gens.splice(gens.indexOf(slot), 1);
      if (gens.length === 0) this.older.delete(receiver);
      this.unblock(receiver);
    }
  }

  private reschedule(receiver: string, slot: QueueSlot, at: number | undefined): void {
    if (this.disposed) return;
    if (at === slot.timerAt && slot.timer) return;
    slot.timer?.unsubscribe();
    slot.timer = undefined;
    slot.timerAt = at;
    if (at === undefined) return;
    slot.timer = this.host.scheduler.schedule(
      () => {
        slot.timer = undefined;
        slot.timerAt = undefined;
        this.apply(receiver, slot, tick(slot.state, this.o, this.host.now()));
      },
      Math.max(0, at - this.host.now()),
    );
  }

  private transmit(receiver: string, slot: QueueSlot, entry: PendingEntry, floor: number): void {
    if (this.disposed) return;
    // One copy at a time: a copy still waiting in the transport (e.g. the outbox) is enough.
    if (slot.sending.has(entry.seq)) return;
    const waiter = waiterOf(entry);
    const envelope: MessageEnvelope = messageEnvelope({ epoch: slot.epoch, seq: entry.seq, floor, id: entry.id, expires: entry.expires, data: entry.data });
    const timeout = Math.max(1, Math.min(waiter?.timeout ?? this.o.ttl, entry.expires - this.host.now()));
    this.counters.transmissions++;
    const first = entry.seq > slot.sentUpTo;
    if (first) slot.sentUpTo = entry.seq;
    const copy = new Transmission(slot.sending, entry.seq, waiter);
    // (a socket send without an ack is done within subscribe() on a logged-in socket: nothing to keep then)
    const sub = this.host.transmit(receiver, entry.command, envelope, waiter?.via ?? 'auto', timeout, !first).subscribe(copy);
    if (!copy.done) {
      copy.sub = sub;
      slot.sending.set(entry.seq, sub);
    }
  }

  private stopTransmission(slot: QueueSlot, seq: number): void {
    const sub = slot.sending.get(seq);
    if (!sub) return;
    slot.sending.delete(seq);
    sub.unsubscribe();
  }

  // ── receiving ────────────────────────────────────────────────────────────

  /**
   * Every decoded incoming message goes here first. Returns true when it was ours (a
   * confirmed message or a confirmation, now handled); false for a plain message, which
   * the caller dispatches as usual.
   */
  receive(message: RexsysMessage): boolean {
    const parsed = parseEnvelope(message.command, message.data);
    switch (parsed.kind) {
      case 'plain':
        return false;
      case 'invalid':
        this.invalid(parsed.reason, message);
        return true;
      case 'confirm':
        if (!this.disposed) this.onConfirm(message, parsed.envelope.epoch, parsed.envelope.upTo);
        return true;
      case 'message':
        // durable outbox: before the store is restored, the window is unknown; the sender retransmits.
        if (!this.disposed && this.ready) this.onMessage(message, parsed.envelope);
        return true;
    }
  }

  private invalid(reason: string, message: RexsysMessage): void {
    this.counters.invalid++;
    this.host.report(envelopeError(reason, message));
  }

  private onConfirm(message: RexsysMessage, epoch: string, upTo: number): void {
    const slot =
      message.sender === undefined
        ? undefined
        : epoch === this.epoch
          ? this.queues.get(message.sender)
          : this.older.get(message.sender)?.find((q) => q.epoch === epoch); // durable outbox: a restored instance
    if (!slot || message.sender === undefined) {
      // For an earlier instance of this client, or a receiver never sent to: nothing to do.
      this.counters.staleConfirmations++;
      return;
    }
    const step = acknowledge(slot.state, this.o, upTo, this.host.now());
    if (step.bogus) this.invalid(`a confirmation up to seq ${upTo}, beyond anything sent (${slot.state.nextSeq})`, message);
    this.apply(message.sender, slot, step);
  }

  private onMessage(message: RexsysMessage, envelope: MessageEnvelope): void {
    const sender = message.sender;
    if (sender === undefined) return this.invalid('no sender (the server did not stamp one), so it cannot be confirmed', message);
    const now = this.host.now();
    this.sweep(now);
    let w = this.lastHeard;
    // The sender heard last (most often the only one) is already last in Map order.
    if (w === undefined || w.sender !== sender || w.epoch !== envelope.epoch) {
      const key = `${sender}\0${envelope.epoch}`;
      w = this.windows.get(key);
      if (w) this.windows.delete(key);
      else {
        while (this.windows.size >= this.o.maxSenders) this.forgetWindow(this.windows.keys().next().value as string);
        w = {
          sender,
          epoch: envelope.epoch,
          state: freshWindow(envelope.floor, now),
          confirmDue: false,
          latestExpiry: envelope.expires,
          confirmedUpTo: envelope.floor,
        };
      }
      this.windows.set(key, w); // most recently heard last
      this.lastHeard = w;
    }
    if (envelope.expires > w.latestExpiry) w.latestExpiry = envelope.expires;
    // The message as its sender gave it, with its id. (Not `{ ...message, data, id }`: adding a property to a spread copy is slow in V8, ~1.5 µs.)
    const item: { -readonly [K in keyof RexsysMessage]: RexsysMessage[K] } = { command: message.command, data: envelope.data, sender };
    if (message.receiver !== undefined) item.receiver = message.receiver;
    if (message.channel !== undefined) item.channel = message.channel;
    item.id = envelope.id;
    const before = w.state.next;
    // durable outbox: before each hand-over, the ones before it are in the store (a crash re-delivers at most the one in hand).
    const slot = w;
    const start = Math.max(w.state.next, envelope.floor);
    let handed = 0;
    const step = receiveInWindow(w.state, this.o, { seq: envelope.seq, floor: envelope.floor, expires: envelope.expires, item }, now, (m) => {
      if (this.storeLimits && handed > 0) {
        this.writeStore([{ op: 'window', window: { sender, epoch: slot.epoch, next: start + handed, latestExpiry: slot.latestExpiry, lastSeen: now } }]);
      } else if (this.dirtyWindows.length > 0) this.flushWindows();
      const ok = this.host.handOver(m);
      if (ok) handed++;
      return ok;
    });
    w.state = step.state;
    if (w.state.next !== before) this.storeWindow(w); // durable outbox: written before the confirmation goes
    this.counters.handedOver += step.delivered.length;
    if (step.outcome === 'duplicate') this.counters.duplicates++;
    else if (step.outcome === 'beyond-window')
      this.invalid(`seq ${envelope.seq} is beyond the window (next ${w.state.next}, window ${this.o.window})`, message);
    else if (step.outcome === 'buffered' && w.state.buffer.has(w.state.next) && !step.dropped.length) this.counters.unheard++;
    for (const d of step.dropped) {
      if (d.reason === 'abandoned') this.counters.abandoned++;
      else {
        this.counters.expired++;
        this.host.report(expiredError(d.item, d.item.id ?? '?', d.expires, now));
      }
    }
    if (step.confirm) {
      w.confirmDue = true;
      // At once when the sender waits for it: a lone message (nothing else pending at its sender: a one-at-a-time
      // sender, or a probe), or half of what was pending at the sender is handed over unconfirmed (it is running out of window).
      const pendingAtSender = envelope.seq - envelope.floor + 1;
      this.scheduleConfirm(now, pendingAtSender === 1 || 2 * (w.state.next - w.confirmedUpTo) >= pendingAtSender);
    }
  }

  /**
   * Confirmations go out at the end of the turn when the sender waits for them (`now`: a
   * lone message, or half of what it had pending handed over) and when none went out for
   * `confirmDelay` ms, else once `confirmDelay` has passed since the last flush: one per
   * sender instance covers everything handed over meanwhile.
   */
  private scheduleConfirm(now: number, waited: boolean): void {
    if (this.disposed) return;
    const at = waited ? now : Math.max(now, this.lastConfirmFlush + this.o.confirmDelay);
    if (at <= now && this.host.soon) {
      if (this.confirmSoon) return;
      this.confirmSoon = true;
      this.host.soon(() => {
        this.confirmSoon = false;
        if (!this.disposed) this.confirmNow();
      });
      return;
    }
    if (this.confirmTimer && this.confirmAt <= at) return;
    this.confirmTimer?.unsubscribe();
    this.confirmAt = at;
    this.confirmTimer = this.host.scheduler.schedule(() => {
      this.confirmTimer = undefined;
      this.confirmNow();
    }, at - now);
  }

  private confirmNow(): void {
    this.confirmTimer?.unsubscribe();
    this.confirmTimer = undefined;
    this.confirmAt = Infinity;
    this.lastConfirmFlush = this.host.now();
    this.flushConfirmations();
  }

  /** One confirmation per sender instance with something new: `upTo` = its window's `next`. */
  private flushConfirmations(): void {
    this.flushWindows(); // durable outbox: the store knows what a confirmation says, before it goes
    for (const w of this.windows.values()) {
      if (!w.confirmDue) continue;
      w.confirmDue = false;
      w.confirmedUpTo = w.state.next;
      this.counters.confirmationsSent++;
      const copy = new Confirmation(this.background);
      const confirmation = confirmEnvelope(w.epoch, w.state.next);
      const sub = this.host.transmit(w.sender, CONFIRM_COMMAND, confirmation, 'auto', this.o.retransmitAfter * 4, false).subscribe(copy);
      if (!copy.done) {
        copy.sub = sub;
        this.background.add(sub);
      }
    }
  }

  /**
   * Forgets sender instances silent for `senderIdleExpiry` (oldest first: Map order is by
   * last arrival) once every deadline they sent has passed (with the skew tolerance), so
   * a late retransmit of a message already handed over is refused as expired, never
   * handed over again.
   */
  private sweep(now: number): void {
    const cutoff = now - this.o.senderIdleExpiry;
    for (const [key, w] of this.windows) {
      if (w.state.lastSeen > cutoff) break;
      if (!w.confirmDue && w.latestExpiry + this.o.skewTolerance < now) this.forgetWindow(key);
    }
  }

  private forgetWindow(key: string): void {
    const w = this.windows.get(key);
    if (!w) return;
    this.counters.abandoned += w.state.buffer.size;
    this.windows.delete(key);
    w.gone = true;
    if (this.lastHeard === w) this.lastHeard = undefined;
    if (this.storeLimits) this.writeStore([{ op: 'forget', sender: w.sender, epoch: w.epoch }]);
  }

  // ── reconnects ───────────────────────────────────────────────────────────

  /**
   * This client just logged in (again). As a sender: receivers being probed are probed
   * now rather than at the end of their backoff. As a receiver: every sender instance
   * with deadlines still running gets a confirmation (`upTo` = where this receiver
   * stands), which tells a sender probing it that it is back.
   */
  online(): void {
    if (this.disposed) return;
    const now = this.host.now();
    for (const [receiver, slot] of this.queues) if (slot.state.mode === 'probe') this.apply(receiver, slot, resume(slot.state, this.o, now));
    for (const [receiver, gens] of this.older) if (gens[0]?.state.mode === 'probe') this.apply(receiver, gens[0], resume(gens[0].state, this.o, now));
    let due = false;
    for (const w of this.windows.values()) {
      if (w.latestExpiry + this.o.skewTolerance >= now) w.confirmDue = due = true;
    }
    if (due) this.scheduleConfirm(now, false);
  }

  // ── end ──────────────────────────────────────────────────────────────────

  /** The client is closing: pending sends fail with `E_CLOSED`; every timer and transport subscription ends. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.confirmTimer?.unsubscribe();
    this.confirmTimer = undefined;
    for (const sub of this.background) sub.unsubscribe();
    this.background.clear();
    const waiters: Waiter[] = [];
    for (const q of this.allSlots()) {
      for (const sub of q.sending.values()) sub.unsubscribe();
      q.sending.clear();
      q.timer?.unsubscribe();
      q.timer = undefined;
      for (const e of q.state.pending) {
        const w = waiterOf(e);
        if (w !== undefined && !w.done) {
          w.done = true;
          waiters.push(w);
        }
      }
    }
    // durable outbox: pending sends stay in the store (the next client on it resumes them).
    this.flushWindows();
    this.store?.close();
    this.store = undefined;
    this.queues.clear();
    this.older.clear();
    this.windows.clear();
    this.lastHeard = undefined;
    for (const w of waiters) w.settle({ error: new RexsysClosedError('The client was closed before the send was confirmed.') });
    this.outcomes.complete();
  }

  // ── durable outbox (lib/store, issue #15) ────────────────────────────────

  private *allSlots(): Iterable<QueueSlot> {
    for (const gens of this.older.values()) yield* gens;
    yield* this.queues.values();
  }

  /**
   * Opens the client's store. A synchronous store (file, memory) takes writes at once;
   * the restore (and the first transmissions) follow on the next turn, so `errors$` and
   * `outbox.outcomes$` subscribed right after `createRexsysClient` see what it reports.
   * A store held by another client throws `E_STORE_LOCKED`; any other failure is
   * reported (`E_STORE`) and the client goes on with its state in memory.
   */
  attachStore(store: RexsysStore, open: () => StoreConnection | Promise<StoreConnection> = () => store.open(storeContextOf(this.host))): void {
    this.ready = false;
    this.storeLimits = store.limits;
    this.storeName = store.name;
    this.whenLoadedReset();
    let opened: StoreConnection | Promise<StoreConnection>;
    try {
      opened = open();
    } catch (e) {
      if (e instanceof RexsysStoreError && e.code === 'E_STORE_LOCKED') throw e;
      this.storeFailed(e);
      return;
    }
    if (opened instanceof Promise) {
      opened.then(
        (c) => this.restore(c),
        (e: unknown) => this.storeFailed(e),
      );
    } else {
      const c = opened;
      this.store = c;
      this.later(() => this.restore(c));
    }
  }

  private whenLoadedReset(): void {
    (this as { whenLoaded: Promise<void> }).whenLoaded = new Promise<void>((resolve) => (this.resolveLoaded = resolve));
  }

  private later(fn: () => void): void {
    this.host.scheduler.schedule(() => fn(), 0);
  }

  private storeFailed(e: unknown): void {
    this.later(() =>
      this.host.report(
        e instanceof RexsysStoreError
          ? e
          : new RexsysStoreError(
              'E_STORE',
              `The store ${this.storeName} could not be opened (${(e as Error)?.message ?? String(e)}): confirmed sends are kept in memory only.`,
              {
                path: this.storeName,
                cause: e,
              },
            ),
      ),
    );
    this.store = undefined;
    this.storeLimits = undefined;
    this.storeBacklog = [];
    this.storedBytes.clear();
    this.storedTotal = 0;
    this.goReady();
  }

  private goReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.resolveLoaded();
    if (this.disposed) return;
    for (const receiver of new Set([...this.older.keys(), ...this.queues.keys()])) this.unblock(receiver);
  }

  /** Loads what the store held: receiver windows, then restored sends per receiver, oldest instance first. */
  private restore(conn: StoreConnection): void {
    if (this.disposed) {
      conn.close();
      return;
    }
    this.store = conn;
    if (this.storeBacklog.length > 0) conn.write(this.storeBacklog.splice(0));
    const now = this.host.now();
    const { sends, windows } = conn.snapshot;
    const changes: StoreChange[] = [];
    for (const sw of [...windows].sort((a, b) => a.lastSeen - b.lastSeen)) {
      const gone = sw.lastSeen <= now - this.o.senderIdleExpiry && sw.latestExpiry + this.o.skewTolerance < now;
      if (gone) {
        changes.push({ op: 'forget', sender: sw.sender, epoch: sw.epoch });
        continue;
      }
      const key = `${sw.sender}\0${sw.epoch}`;
      if (this.windows.has(key)) continue;
      while (this.windows.size >= this.o.maxSenders) this.forgetWindow(this.windows.keys().next().value as string);
      this.windows.set(key, {
        sender: sw.sender,
        epoch: sw.epoch,
        state: { next: sw.next, buffer: new Map(), lastSeen: sw.lastSeen },
        confirmDue: false,
        latestExpiry: sw.latestExpiry,
        confirmedUpTo: sw.next,
      });
    }
    this.lastHeard = undefined; // (windows were added after it)
    // receiver → epoch → sends (Map order: the order they were stored, so older instances first).
    const groups = new Map<string, Map<string, StoredSend[]>>();
    const seen = new Set<string>();
    for (const st of sends) {
      if (st.epoch === this.epoch || seen.has(st.id)) continue;
      seen.add(st.id);
      if (st.expires <= now) {
        // Expired while nobody ran: dropped on load, reported as an outcome.
        changes.push({ op: 'done', epoch: st.epoch, receiver: st.receiver, seq: st.seq });
        this.counters.unconfirmed++;
        this.outcomes.next({
          status: 'unconfirmed',
          id: st.id,
          receiver: st.receiver,
          command: st.command,
          restored: true,
          error: unconfirmedError(st.receiver, st.command, st.id, st.ttl),
        });
        continue;
      }
      let byEpoch = groups.get(st.receiver);
      if (!byEpoch) groups.set(st.receiver, (byEpoch = new Map<string, StoredSend[]>()));
      let list = byEpoch.get(st.epoch);
      if (!list) byEpoch.set(st.epoch, (list = []));
      list.push(st);
    }
    if (changes.length > 0) conn.write(changes);
    for (const [receiver, byEpoch] of groups) {
      const gens: QueueSlot[] = [];
      for (const [epoch, list] of byEpoch) {
        list.sort((a, b) => a.seq - b.seq);
        const pending: PendingEntry[] = list.map((st) => {
          const bytes = sizeOf(st);
          this.storedBytes.set(st.id, bytes);
          this.storedTotal += bytes;
          // A restored send holds the connection open (it goes out when the client connects) until it settles.
          const release = this.host.hold();
          const waiter: Waiter = { restored: true, receiver, command: st.command, via: st.via, ttl: st.ttl, timeout: st.timeout, settle: () => release() };
          return { seq: st.seq, id: st.id, command: st.command, data: st.data, expires: st.expires, ref: waiter };
        });
        gens.push({
          epoch,
          state: { nextSeq: list[list.length - 1].seq + 1, pending, mode: 'open', probeInterval: 0 },
          sending: new Map(),
          sentUpTo: -1,
        });
      }
      this.older.set(receiver, gens);
    }
    this.goReady();
  }

  /** True while `slot` must not transmit: the store is not restored, or an older instance to `receiver` is unsettled. */
  private blocked(receiver: string, slot: QueueSlot): boolean {
    if (!this.ready) return true;
    const gens = this.older.get(receiver);
    return gens !== undefined && gens.length > 0 && gens[0] !== slot;
  }

  /** The queue that may go now to `receiver` starts afresh: everything in its window is (re)transmitted. */
  private unblock(receiver: string): void {
    const slot = this.older.get(receiver)?.[0] ?? this.queues.get(receiver);
    if (!slot || slot.state.pending.length === 0 || this.disposed) return;
    slot.state = {
      ...slot.state,
      mode: 'open',
      probeInterval: 0,
      nextProbeAt: undefined,
      pending: slot.state.pending.map((e) => (e.lastTx === undefined ? e : { ...e, lastTx: undefined })),
    };
    this.apply(receiver, slot, tick(slot.state, this.o, this.host.now()));
  }

  private writeStore(changes: StoreChange[]): void {
    if (this.store) this.store.write(changes);
    else if (this.storeLimits && !this.ready) this.storeBacklog.push(...changes);
  }

  /** Puts a new send in the store; returns the error when the store is full (or the data cannot be stored). */
  private storeSend(st: StoredSend): RexsysError | undefined {
    const limits = this.storeLimits;
    if (!limits) return undefined;
    let json: string;
    try {
      json = sendJson(st);
    } catch (e) {
      return new RexsysSendError('E_OUTBOX_FULL', `"${st.command}" to "${st.receiver}" cannot be stored (its data is not JSON: ${(e as Error).message}).`, {
        receiver: st.receiver,
        command: st.command,
        cause: e,
      });
    }
    const bytes = json.length;
    if (this.storedBytes.size + 1 > limits.maxEntries || this.storedTotal + bytes > limits.maxBytes) {
      return new RexsysSendError(
        'E_OUTBOX_FULL',
        `The store ${this.storeName} is full (${this.storedBytes.size} pending sends, ${this.storedTotal} bytes; limits ${limits.maxEntries} and ${limits.maxBytes}): "${st.command}" to "${st.receiver}" was not sent.`,
        { receiver: st.receiver, command: st.command },
      );
    }
    this.storedBytes.set(st.id, bytes);
    this.storedTotal += bytes;
    // (its JSON goes along: the file store writes it as is, not serialising the data again)
    this.writeStore([{ op: 'send', send: st, json }]);
    return undefined;
  }

  private unstore(receiver: string, epoch: string, entry: PendingEntry): void {
    const bytes = this.storedBytes.get(entry.id);
    if (bytes === undefined) return;
    this.storedBytes.delete(entry.id);
    this.storedTotal -= bytes;
    this.writeStore([{ op: 'done', epoch, receiver, seq: entry.seq }]);
  }

  /** Receiver windows are written together at the end of the current turn (before any confirmation goes). */
  private storeWindow(w: WindowSlot): void {
    if (!this.storeLimits) return;
    if (!w.dirty) {
      w.dirty = true;
      this.dirtyWindows.push(w);
    }
    if (this.windowFlushQueued) return;
    this.windowFlushQueued = true;
    queueMicrotask(this.flushWindowsLater);
  }

  private flushWindows(): void {
    if (this.dirtyWindows.length === 0) return;
    const changes: StoreChange[] = [];
    for (const w of this.dirtyWindows) {
      w.dirty = false;
      if (w.gone) continue; // forgotten meanwhile
      changes.push({
        op: 'window',
        window: { sender: w.sender, epoch: w.epoch, next: w.state.next, latestExpiry: w.latestExpiry, lastSeen: w.state.lastSeen },
      });
    }
    this.dirtyWindows.length = 0;
    if (changes.length > 0) this.writeStore(changes);
  }

  /** `client.outbox.list()`. */
  pendingSends(): PendingSend[] {
    const out: PendingSend[] = [];
    const receivers = new Set([...this.older.keys(), ...this.queues.keys()]);
    for (const receiver of receivers) {
      for (const slot of [...(this.older.get(receiver) ?? []), ...(this.queues.has(receiver) ? [this.queues.get(receiver)!] : [])]) {
        for (const e of slot.state.pending) {
          out.push({ id: e.id, receiver, command: e.command, data: e.data, expires: e.expires, restored: waiterOf(e)?.restored === true });
        }
      }
    }
    return out;
  }

  /** `client.outbox.cancel(id)`. */
  cancelSend(id: string): boolean {
    if (this.disposed) return false;
    for (const [receiver, gens] of [...this.older, ...[...this.queues].map(([r, q]) => [r, [q]] as const)]) {
      for (const slot of gens) {
        if (!slot.state.pending.some((e) => e.id === id)) continue;
        this.apply(receiver, slot, cancel(slot.state, this.o, id, this.host.now()));
        return true;
      }
    }
    return false;
  }

  /** `client.outbox.flush()`. */
  flushStore(): Promise<void> {
    this.flushWindows();
    return this.whenLoaded.then(() => this.store?.flush());
  }
}

function cancelledError(receiver: string, command: string, id: string): RexsysSendError {
  return new RexsysSendError('E_UNCONFIRMED', `"${command}" to "${receiver}" (id ${id}) was cancelled before its receiver confirmed it.`, {
    receiver,
    command,
  });
}

/** A confirmed send's subscriber, waiting for the outcome. */
class SendWaiter implements Waiter {
  lastVia?: 'socket' | 'rest';
  done = false;

  constructor(
    readonly receiver: string,
    readonly command: string,
    readonly via: Via,
    readonly ttl: number,
    readonly timeout: number,
    private readonly subscriber: Subscriber<SendReceipt>,
    private release: (() => void) | undefined,
    private readonly report: ((error: RexsysError) => void) | undefined,
  ) {}

  settle(outcome: { receipt: SendReceipt } | { error: RexsysError }): void {
    this.drop();
    if ('receipt' in outcome) {
      this.subscriber.next(outcome.receipt);
      this.subscriber.complete();
    } else {
      this.report?.(outcome.error);
      this.subscriber.error(outcome.error);
    }
  }

  /** Lets go of the connection (once). */
  drop(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

/** One copy of a message in the transport: notes the way it went, and leaves `sending` when done. */
class Transmission {
  done = false;
  sub: Subscription | undefined;

  constructor(
    private readonly sending: Map<number, Subscription>,
    private readonly seq: number,
    private readonly waiter: Waiter | undefined,
  ) {}

  next(receipt: SendReceipt): void {
    if (this.waiter) this.waiter.lastVia = receipt.via;
  }

  error(): void {
    this.complete();
  }

  complete(): void {
    this.done = true;
    if (this.sub !== undefined && this.sending.get(this.seq) === this.sub) this.sending.delete(this.seq);
  }
}

/** A confirmation in the transport: leaves `background` when done. */
class Confirmation {
  done = false;
  sub: Subscription | undefined;

  constructor(private readonly background: Set<Subscription>) {}

  error(): void {
    this.complete();
  }

  complete(): void {
    this.done = true;
    if (this.sub !== undefined) this.background.delete(this.sub);
  }
}
