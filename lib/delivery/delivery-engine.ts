/**
 * Confirmed delivery, both ends, for one client. Transport-agnostic: it talks to the
 * client only through a {@link DeliveryHost} (a plain send, hand-over to the
 * application, a connection hold, ids, a clock and a scheduler), so it runs in virtual
 * time in tests. The decisions are the pure reducers of `sender-queue.ts` and
 * `receiver-window.ts`; this class keeps their states, timers and subscribers.
 */
import { Observable, Subscription, type SchedulerLike } from 'rxjs';
import { RexsysClosedError, type RexsysError } from '../errors.js';
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

/** Internal: `client[deliveryEngine]` is the client's engine (tests, benchmarks); not public API. */
export const deliveryEngine = Symbol('rexsys-rx delivery engine');

/** What the engine needs from its client. */
export interface DeliveryHost {
  /** One plain send (no confirmation of its own): emits a receipt or errors. */
  transmit(receiver: string, command: string, data: unknown, via: Via, timeout: number): Observable<SendReceipt>;
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
  readonly receiver: string;
  readonly command: string;
  readonly via: Via;
  readonly ttl: number;
  readonly timeout: number;
  lastVia?: 'socket' | 'rest';
  settle(outcome: { receipt: SendReceipt } | { error: RexsysError }): void;
}

interface QueueSlot {
  state: SenderQueueState;
  readonly waiters: Map<string, Waiter>;
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
  private readonly outstanding = new Map<string, Subscription>();
  private readonly background = new Set<Subscription>();
  private confirmTimer: Subscription | undefined;
  private lastConfirmFlush = -Infinity;
  private disposed = false;

  constructor(
    private readonly host: DeliveryHost,
    private readonly o: ResolvedDeliveryOptions,
  ) {
    this.epoch = host.uid();
  }

  /** Pending confirmed sends (for leak checks). */
  get pendingCount(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.state.pending.length;
    return n;
  }

  /** Sender instances this receiver tracks (for leak checks). */
  get windowCount(): number {
    return this.windows.size;
  }

  /** Live timers and transport subscriptions (for leak checks: 0 when idle). */
  get activeCount(): number {
    let n = this.outstanding.size + this.background.size + (this.confirmTimer ? 1 : 0);
    for (const q of this.queues.values()) if (q.timer) n++;
    return n;
  }

  // ── sending ──────────────────────────────────────────────────────────────

  /**
   * One confirmed send, cold: emits one receipt `{ …, id, delivered: true }` once the
   * receiving client confirmed it, or errors `E_UNCONFIRMED` after `ttl` ms.
   * Unsubscribing gives it up (it is not sent again). Holds the connection meanwhile.
   */
  send(receiver: string, command: string, data: unknown, options: { via: Via; ttl?: number; timeout: number }): Observable<SendReceipt> {
    return new Observable<SendReceipt>((subscriber) => {
      if (this.disposed) {
        subscriber.error(new RexsysClosedError('The client was closed before the send completed.'));
        return;
      }
      const ttl = options.ttl !== undefined && options.ttl > 0 ? options.ttl : this.o.ttl;
      const id = this.host.uid();
      const release = this.host.hold();
      const slot = this.slotFor(receiver);
      let settled = false;
      slot.waiters.set(id, {
        receiver,
        command,
        via: options.via,
        ttl,
        timeout: options.timeout,
        settle: (outcome) => {
          settled = true;
          release();
          if ('receipt' in outcome) {
            subscriber.next(outcome.receipt);
            subscriber.complete();
          } else subscriber.error(outcome.error);
        },
      });
      this.counters.sends++;
      this.apply(receiver, slot, enqueue(slot.state, this.o, { id, command, data, expires: this.host.now() + ttl }, this.host.now()));
      return () => {
        if (settled) return;
        release();
        if (slot.waiters.delete(id)) this.apply(receiver, slot, cancel(slot.state, this.o, id, this.host.now()));
      };
    });
  }

  private slotFor(receiver: string): QueueSlot {
    let slot = this.queues.get(receiver);
    // A slot stays after it empties: its nextSeq continues the sequence of this epoch.
    if (!slot) this.queues.set(receiver, (slot = { state: emptySenderQueue(), waiters: new Map() }));
    return slot;
  }

  private apply(receiver: string, slot: QueueSlot, step: SenderStep): void {
    slot.state = step.state;
    for (const effect of step.effects) {
      // A subscriber may close the client from inside its receipt: stop there.
      if (this.disposed) return;
      const { entry } = effect;
      if (effect.type === 'transmit') {
        this.transmit(receiver, slot, entry, effect.floor);
        continue;
      }
      this.stopTransmission(receiver, entry.seq);
      const waiter = slot.waiters.get(entry.id);
      slot.waiters.delete(entry.id);
      if (!waiter) continue;
      if (effect.type === 'confirmed') {
        this.counters.confirmed++;
        waiter.settle({
          receipt: {
            via: waiter.lastVia ?? (waiter.via === 'rest' ? 'rest' : 'socket'),
            receiver,
            command: entry.command,
            at: this.host.now(),
            id: entry.id,
            delivered: true,
          },
        });
      } else if (effect.type === 'expired') {
        this.counters.unconfirmed++;
        const error = unconfirmedError(receiver, entry.command, entry.id, waiter.ttl);
        waiter.settle({ error });
      }
    }
    this.reschedule(receiver, slot);
  }

  private reschedule(receiver: string, slot: QueueSlot): void {
    if (this.disposed) return;
    const at = wakeAtOf(slot.state, this.o);
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
    const key = `${receiver}\0${entry.seq}`;
    // One copy at a time: a copy still waiting in the transport (e.g. the outbox) is enough.
    if (this.outstanding.has(key)) return;
    const waiter = slot.waiters.get(entry.id);
    const envelope: MessageEnvelope = messageEnvelope({ epoch: this.epoch, seq: entry.seq, floor, id: entry.id, expires: entry.expires, data: entry.data });
    const timeout = Math.max(1, Math.min(waiter?.timeout ?? this.o.ttl, entry.expires - this.host.now()));
    const sub = new Subscription();
    this.outstanding.set(key, sub);
    this.counters.transmissions++;
    sub.add(
      this.host.transmit(receiver, entry.command, envelope, waiter?.via ?? 'auto', timeout).subscribe({
        next: (receipt) => {
          if (waiter) waiter.lastVia = receipt.via;
        },
        error: () => this.forget(key, sub),
        complete: () => this.forget(key, sub),
      }),
    );
    if (sub.closed) this.forget(key, sub);
  }

  private forget(key: string, sub: Subscription): void {
    if (this.outstanding.get(key) === sub) this.outstanding.delete(key);
  }

  private stopTransmission(receiver: string, seq: number): void {
    const key = `${receiver}\0${seq}`;
    const sub = this.outstanding.get(key);
    if (!sub) return;
    this.outstanding.delete(key);
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
        if (!this.disposed) this.onMessage(message, parsed.envelope);
        return true;
    }
  }

  private invalid(reason: string, message: RexsysMessage): void {
    this.counters.invalid++;
    this.host.report(envelopeError(reason, message));
  }

  private onConfirm(message: RexsysMessage, epoch: string, upTo: number): void {
    const slot = message.sender === undefined ? undefined : this.queues.get(message.sender);
    if (epoch !== this.epoch || !slot || message.sender === undefined) {
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
    const key = `${sender}\0${envelope.epoch}`;
    this.sweep(now);
    let w = this.windows.get(key);
    if (w) this.windows.delete(key);
    else {
      while (this.windows.size >= this.o.maxSenders) this.forgetWindow(this.windows.keys().next().value as string);
      w = { sender, epoch: envelope.epoch, state: freshWindow(envelope.floor, now), confirmDue: false, latestExpiry: envelope.expires };
    }
    if (envelope.expires > w.latestExpiry) w.latestExpiry = envelope.expires;
    this.windows.set(key, w); // most recently heard last
    const item: RexsysMessage = { ...message, data: envelope.data, id: envelope.id };
    const step = receiveInWindow(w.state, this.o, { seq: envelope.seq, floor: envelope.floor, expires: envelope.expires, item }, now, (m) =>
      this.host.handOver(m),
    );
    w.state = step.state;
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
      this.scheduleConfirm();
    }
  }

  /**
   * Confirmations go out on the next turn when none went out for `confirmDelay` ms (so a
   * lone message is confirmed at once), else when `confirmDelay` has passed since the
   * last flush: one per sender instance covers everything handed over meanwhile.
   */
  private scheduleConfirm(): void {
    if (this.confirmTimer || this.disposed) return;
    const wait = Math.max(0, this.lastConfirmFlush + this.o.confirmDelay - this.host.now());
    this.confirmTimer = this.host.scheduler.schedule(() => {
      this.confirmTimer = undefined;
      this.lastConfirmFlush = this.host.now();
      this.flushConfirmations();
    }, wait);
  }

  /** One confirmation per sender instance with something new: `upTo` = its window's `next`. */
  private flushConfirmations(): void {
    for (const w of this.windows.values()) {
      if (!w.confirmDue) continue;
      w.confirmDue = false;
      this.counters.confirmationsSent++;
      const sub = new Subscription();
      this.background.add(sub);
      sub.add(
        this.host.transmit(w.sender, CONFIRM_COMMAND, confirmEnvelope(w.epoch, w.state.next), 'auto', this.o.retransmitAfter * 4).subscribe({
          error: () => this.background.delete(sub),
          complete: () => this.background.delete(sub),
        }),
      );
      if (sub.closed) this.background.delete(sub);
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
    let due = false;
    for (const w of this.windows.values()) {
      if (w.latestExpiry + this.o.skewTolerance >= now) w.confirmDue = due = true;
    }
    if (due) this.scheduleConfirm();
  }

  // ── end ──────────────────────────────────────────────────────────────────

  /** The client is closing: pending sends fail with `E_CLOSED`; every timer and transport subscription ends. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.confirmTimer?.unsubscribe();
    this.confirmTimer = undefined;
    for (const sub of this.outstanding.values()) sub.unsubscribe();
    for (const sub of this.background) sub.unsubscribe();
    this.outstanding.clear();
    this.background.clear();
    const waiters: Waiter[] = [];
    for (const q of this.queues.values()) {
      q.timer?.unsubscribe();
      q.timer = undefined;
      waiters.push(...q.waiters.values());
      q.waiters.clear();
    }
    this.queues.clear();
    this.windows.clear();
    for (const w of waiters) w.settle({ error: new RexsysClosedError('The client was closed before the send was confirmed.') });
  }
}
