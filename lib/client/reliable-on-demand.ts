import { Observable, Subject, defer, from, switchMap, type SchedulerLike } from 'rxjs';
import type { DeliveryEngine } from '../delivery/delivery-engine.js';
import { CONFIRM_COMMAND, ENVELOPE_KEY, isRpcCommand } from '../protocol/reserved.js';
import { RexsysClosedError, RexsysInternalError, type RexsysError } from '../errors.js';
import type { RexsysMessage } from '../protocol/codecs.js';
import type { RequestReply } from '../request/request-reply.js';
import type { DeliveryOutcome, PendingSend } from '../store/outbox.js';
import { loadReliable } from './load-reliable.js';

/** Internal: `client[deliveryEngine]` is the client's engine once loaded (tests, benchmarks); not public API. */
export const deliveryEngine = Symbol('rexsys-rx delivery engine');
/** Internal: `client[requestReply]` is the client's request/reply once loaded (tests); not public API. */
export const requestReply = Symbol('rexsys-rx request/reply');

/** The loaded module (./reliable.ts). */
export type ReliableModule = Awaited<ReturnType<typeof loadReliable>>;

/** A client's confirmed delivery engine and request/reply, made once the code is loaded. */
export interface Reliable {
  readonly engine: DeliveryEngine;
  readonly rpc: RequestReply;
}

/** True for what only that code handles: envelopes, confirmations, requests and replies. */
export function needsReliable(message: RexsysMessage): boolean {
  const { command, data } = message;
  return command === CONFIRM_COMMAND || isRpcCommand(command) || (typeof data === 'object' && data !== null && ENVELOPE_KEY in data);
}

/** What {@link ReliableOnDemand} needs from its client. */
export interface ReliableHost {
  /** Makes the engine and request/reply (the store attached, the engine told whether the client is online). */
  make(module: ReliableModule): Reliable;
  /** Routes a message received while the code was loading (in arrival order, once it is). */
  receive(reliable: Reliable, message: RexsysMessage): void;
  /** Failures to load (the client's `errors$`). */
  report(error: RexsysError): void;
  /** Where the messages received while loading are handed on: a macrotask after the load, so that what waited for the code (a `reply` handler) is in place first. */
  readonly scheduler: SchedulerLike;
}

/**
 * Confirmed delivery and request/reply, loaded on first use: the first confirmed send,
 * request or `reply`, a durable store, or the first envelope, confirmation, request or
 * reply that arrives. Until then the client carries none of their code (measured in
 * `npm run size`). What arrives while the code loads waits for it, in order; a message
 * that is not theirs never waits.
 */
export class ReliableOnDemand {
  /** Outcomes of confirmed sends (`client.outbox.outcomes$`), hot: the engine's, once there is one. */
  readonly outcomes = new Subject<DeliveryOutcome>();
  private made: Reliable | undefined;
  /** True once what arrived during the load was handed on: from then on messages go straight in. */
  private open = false;
  private loading: Promise<Reliable> | undefined;
  private waiting: RexsysMessage[] = [];
  private disposed = false;

  constructor(private readonly host: ReliableHost) {}

  /** The engine and request/reply, when loaded. */
  get current(): Reliable | undefined {
    return this.made;
  }

  /** Loads the code (once; again after a failure) and makes the engine and request/reply. */
  load(): Promise<Reliable> {
    this.loading ??= loadReliable().then(
      (module) => {
        if (this.disposed) throw new RexsysClosedError();
        const made = this.host.make(module);
        this.made = made;
        made.engine.outcomes.subscribe(this.outcomes);
        this.host.scheduler.schedule(() => this.handOn(made));
        return made;
      },
      (e: unknown) => {
        this.loading = undefined;
        const error = new RexsysInternalError(
          `Could not load the code of confirmed delivery and request/reply (${e instanceof Error ? e.message : String(e)}); the next use tries again.`,
          { cause: e },
        );
        if (this.waiting.length > 0) this.host.report(error);
        this.waiting = [];
        throw error;
      },
    );
    return this.loading;
  }

  /** `fn` of the loaded engine and request/reply, cold: loads on subscription when needed. */
  use<T>(fn: (reliable: Reliable) => Observable<T>): Observable<T> {
    return defer(() => (this.made ? fn(this.made) : from(this.load()).pipe(switchMap(fn))));
  }

  /** An incoming message: true when it is this code's (taken, or waiting for the code); false for the streams. */
  receive(message: RexsysMessage): boolean {
    if (this.open && this.made) {
      const { engine, rpc } = this.made;
      return engine.receive(message) || rpc.take(message) === true;
    }
    if (!needsReliable(message) || this.disposed) return false;
    this.waiting.push(message);
    this.load().catch(() => undefined); // reported in load
    return true;
  }

  private handOn(made: Reliable): void {
    if (this.disposed) return;
    this.open = true;
    const waiting = this.waiting;
    this.waiting = [];
    for (const message of waiting) this.host.receive(made, message);
  }

  /** Pending confirmed sends (none before the code is loaded). */
  pendingSends(): PendingSend[] {
    return this.made ? this.made.engine.pendingSends() : [];
  }

  cancelSend(id: string): boolean {
    return this.made ? this.made.engine.cancelSend(id) : false;
  }

  /** The client logged in (again). */
  online(): void {
    this.made?.engine.online();
  }

  dispose(): void {
    this.disposed = true;
    this.waiting = [];
    this.made?.engine.dispose();
    this.outcomes.complete();
  }
}
