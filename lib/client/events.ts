import { RexsysAuthError, RexsysTransportError, type RexsysError } from '../errors.js';

/**
 * Why a connection attempt failed or a logged-in connection was lost.
 *
 * socket.io's own disconnect reasons (`'io server disconnect'`, `'io client disconnect'`,
 * `'ping timeout'`, `'transport close'`, `'transport error'`, `'parse error'`), plus ours:
 * - `'connect error'`: socket.io could not connect (refused, DNS, handshake failed);
 * - `'connect timeout'`: the namespace CONNECT did not complete within `connectTimeout`;
 * - `'login timeout'`: no `login` answer within `loginTimeout`;
 * - `'login refused'`: the server refused the login (also when it says so after a success);
 * - `'certify failed'`: getting a token failed (network, HTTP, refused productkey);
 * - `'heartbeat'`: the link stopped answering (reserved for the heartbeat);
 * - `'internal'`: a bug or a user callback that threw (`E_INTERNAL`, never retried).
 */
export type ConnectionLostReason =
  | 'io server disconnect'
  | 'io client disconnect'
  | 'ping timeout'
  | 'transport close'
  | 'transport error'
  | 'parse error'
  | 'connect error'
  | 'connect timeout'
  | 'login timeout'
  | 'login refused'
  | 'certify failed'
  | 'heartbeat'
  | 'internal';

/**
 * What happens inside a client, in order: the input of the state reducer
 * ({@link reduceState}), of `client.metrics()`, and what `client.events$` emits.
 * Listening to them never opens or holds the connection.
 */
export type ClientEvent =
  /** A connection attempt starts (`attempt` 0 for the first, then the retry number). */
  | { readonly type: 'connecting'; readonly attempt: number }
  /** A productkey was exchanged for a token. `skewed`: it arrived already due for renewal (clocks disagree). */
  | { readonly type: 'certified'; readonly uid: string; readonly skewed: boolean }
  /** The socket joined the namespace (socket.io's `connect`). */
  | { readonly type: 'connected'; readonly namespace: string }
  /** The server's hello named the session id. */
  | { readonly type: 'hello'; readonly sid: string }
  /** `login` was emitted. */
  | { readonly type: 'loginSent'; readonly uid: string; readonly sid: string }
  /** The server accepted the login: the socket carries sends now. */
  | { readonly type: 'loginOk'; readonly uid: string; readonly sid: string }
  /** The server refused the login (`error.final`: no retry). */
  | { readonly type: 'loginRefused'; readonly error: RexsysAuthError }
  /** A logged-in connection was lost. */
  | { readonly type: 'disconnected'; readonly reason: ConnectionLostReason; readonly error: RexsysError }
  /** An attempt failed; the next one starts after `delay` ms. */
  | { readonly type: 'retryScheduled'; readonly attempt: number; readonly delay: number; readonly reason: ConnectionLostReason; readonly error: RexsysError }
  /** No more attempts: refused credentials (`unauthorized`), retries exhausted, or an error never retried. */
  | { readonly type: 'gaveUp'; readonly reason: ConnectionLostReason; readonly error: RexsysError }
  /** `reconnect()` was called. */
  | { readonly type: 'reconnectRequested' }
  /** Nobody holds the connection any more (after the grace period): the socket is closed. */
  | { readonly type: 'stopped' }
  /** `close()`: the client is closed for good. */
  | { readonly type: 'closed' }
  /** A `touid` message was decoded and handed to the streams. */
  | { readonly type: 'messageReceived'; readonly command: string }
  /** A payload failed to decode (a `touid` message, a command's data, a hello); also on `errors$`. */
  | { readonly type: 'decodeFailed'; readonly source: string | undefined; readonly error: RexsysError }
  /** A socket send entered the outbox. */
  | { readonly type: 'sendQueued'; readonly receiver: string; readonly command: string }
  /** A socket send was handed to socket.io (it may arrive from now on). */
  | { readonly type: 'sendEmitted'; readonly receiver: string; readonly command: string }
  /** A send succeeded (`acked` for a socket send the server acked). */
  | { readonly type: 'sendAcked'; readonly via: 'socket' | 'rest'; readonly receiver: string; readonly command: string; readonly acked: boolean }
  /** A heartbeat probe was answered after `rtt` ms (see the `heartbeat` option). */
  | { readonly type: 'heartbeat'; readonly rtt: number }
  /** A send failed. */
  | { readonly type: 'sendFailed'; readonly via: 'socket' | 'rest'; readonly receiver: string; readonly command: string; readonly error: RexsysError };

/** The `type` of each {@link ClientEvent}. */
export type ClientEventType = ClientEvent['type'];

const KNOWN_REASONS = new Set<string>([
  'io server disconnect',
  'io client disconnect',
  'ping timeout',
  'transport close',
  'transport error',
  'parse error',
  'connect error',
  'connect timeout',
  'heartbeat',
]);

/** Reasons given by the code that raised an error (a login timeout is a RexsysTimeoutError, which has no `reason` field). */
const given = new WeakMap<RexsysError, ConnectionLostReason>();

/** Tags `error` with the reason the connection failed; returns it. */
export function withReason<E extends RexsysError>(error: E, reason: ConnectionLostReason): E {
  given.set(error, reason);
  return error;
}

/** The machine-readable reason of a failed attempt or a lost connection. */
export function reasonOf(error: RexsysError): ConnectionLostReason {
  const tagged = given.get(error);
  if (tagged) return tagged;
  if (error.code === 'E_INTERNAL') return 'internal';
  if (error instanceof RexsysAuthError) return error.code === 'E_LOGIN_REFUSED' ? 'login refused' : 'certify failed';
  if (error instanceof RexsysTransportError && error.reason !== undefined) {
    return KNOWN_REASONS.has(error.reason) ? (error.reason as ConnectionLostReason) : 'transport error';
  }
  // Anything else failed before a socket was involved: getting the token.
  return 'certify failed';
}
