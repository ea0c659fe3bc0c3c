/** Public types of request/reply (`client.request`, `client.reply`). */
import type * as t from 'io-ts';
import type { Observable } from 'rxjs';
import type { Via } from '../client/types.js';

/** Options of `client.request`. */
export interface RequestOptions<A = unknown> {
  /** Ms to wait for the reply, from subscription; then `E_TIMEOUT` (or `E_UNCONFIRMED` if the receiver never confirmed the request). @default the client's `sendTimeout` (15000) */
  readonly timeout?: number;
  /** Ms the receiver may take to confirm the request before it fails with `E_UNCONFIRMED` (fail early when the receiver is absent). At most `timeout`. @default `timeout` */
  readonly ttl?: number;
  /** Decodes the reply's data (overrides the client's `replies` map); a reply that fails it is `E_DECODE`. */
  readonly codec?: t.Type<A, unknown, unknown>;
  /** Transport of the request. The reply comes over the socket, so by default the request waits for it too. @default 'socket' */
  readonly via?: Via;
}

/** What a reply handler may return: the reply itself, a Promise of it, or an Observable (its first value). */
export type ReplyResult<T> = T | PromiseLike<T> | Observable<T>;

/** What `client.reply(…)` emits: one value per request answered (successfully or not). */
export interface RepliedRequest {
  /** The request id (the requester's). */
  readonly id: string;
  /** Who asked. */
  readonly sender: string;
  /** The application's command. */
  readonly command: string;
  /** False when the handler failed (the requester got `E_REMOTE`). */
  readonly ok: boolean;
  /** True when this was a repeated request answered from the cache of recent replies (the handler did not run). */
  readonly cached: boolean;
}

/** Counters of request/reply on one client, for tests and diagnostics. */
export interface RequestReplyCounters {
  /** Requests sent (subscriptions of `request`). */
  requests: number;
  /** Replies that settled a request. */
  replies: number;
  /** Replies to an unknown, cancelled or already answered id, or from another client than the one asked: dropped. */
  droppedReplies: number;
  /** Handler runs (one per distinct request). */
  handled: number;
  /** Repeated requests answered from the cache of recent replies. */
  answeredFromCache: number;
  /** Repeated requests that arrived while their handler still ran (ignored: the reply comes). */
  duplicatesWhileRunning: number;
  /** Malformed or forged request/reply messages (reported on errors$, ignored). */
  invalid: number;
}
