/** What request/reply needs from its client: a narrow seam, so lib/request knows nothing of the client's insides. */
import type * as t from 'io-ts';
import type { Observable, SchedulerLike } from 'rxjs';
import type { SendReceipt, Via } from '../client/types.js';
import type { RexsysError } from '../errors.js';

export interface RequestReplyHost {
  /** One confirmed send (the delivery engine's): a receipt once the receiving client confirmed it, or E_UNCONFIRMED after `ttl`. */
  confirmedSend(receiver: string, command: string, data: unknown, options: { via: Via; ttl: number; timeout: number }): Observable<SendReceipt>;
  /** Holds the connection open; returns the release. */
  hold(): () => void;
  /** Holds the connection open while `inner` is subscribed; completes it when the client closes. */
  held<T>(inner: Observable<T>): Observable<T>;
  /** The command map's codec of a command's (request) data. */
  requestCodec(command: string): t.Mixed | undefined;
  /** The reply map's codec of a command's reply. */
  replyCodec(command: string): t.Mixed | undefined;
  /** A fresh random id. */
  uid(): string;
  /** Wall clock, ms. */
  now(): number;
  /** Timers. */
  readonly scheduler: SchedulerLike;
  /** Non-fatal errors (the client's `errors$`). */
  report(error: RexsysError): void;
  /** True once the client is closed. */
  closed(): boolean;
  /** Emits once when the client closes (pending requests then fail with E_CLOSED). */
  readonly closing: Observable<void>;
  /** The client's `sendTimeout` (default request timeout, per-transmission timeout). */
  readonly sendTimeout: number;
  /** The client's default transport. */
  readonly transport: Via;
}
