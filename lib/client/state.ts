import type { RexsysAuthError, RexsysError } from '../errors.js';
import type { ClientEvent, ConnectionLostReason } from './events.js';

/** Where the client stands. */
export type ConnectionStatus = 'idle' | 'connecting' | 'authenticating' | 'ready' | 'reconnecting' | 'unauthorized' | 'closed';

/**
 * Fields a state does not have, declared absent so that `state.uid`, `state.lastError`…
 * can be read on any state (`undefined` there) and are typed precisely once `status`
 * is narrowed.
 */
interface Absent {
  readonly uid?: undefined;
  readonly sid?: undefined;
  readonly delay?: undefined;
  readonly reason?: undefined;
  readonly lastError?: undefined;
}

/** Nothing holds the connection (or the client gave up: then `lastError` and `reason` say why). */
export interface IdleState extends Omit<Absent, 'lastError' | 'reason'> {
  readonly status: 'idle';
  readonly attempt: 0;
  /** Why the client gave up (retries exhausted, or an error that is never retried). */
  readonly lastError?: RexsysError;
  readonly reason?: ConnectionLostReason;
}

/** The first attempt is under way (certify, connect, hello). */
export interface ConnectingState extends Absent {
  readonly status: 'connecting';
  readonly attempt: number;
}

/** Connected; `login` sent, waiting for the answer. */
export interface AuthenticatingState extends Omit<Absent, 'uid' | 'sid'> {
  readonly status: 'authenticating';
  /** 0 on the first attempt, else the retry number. */
  readonly attempt: number;
  readonly uid: string;
  readonly sid: string;
}

/** Logged in: messages arrive and socket sends go out. */
export interface ReadyState extends Omit<Absent, 'uid' | 'sid'> {
  readonly status: 'ready';
  readonly attempt: 0;
  /** The logged-in client id. */
  readonly uid: string;
  /** The socket's session id (from the server's hello). */
  readonly sid: string;
}

/** An attempt failed or the connection was lost; the next attempt comes after `delay` ms. */
export interface ReconnectingState extends Omit<Absent, 'delay' | 'reason' | 'lastError'> {
  readonly status: 'reconnecting';
  /** The retry number, from 1; it starts again after a session that lived `backoff.stablePeriod`. */
  readonly attempt: number;
  /** Milliseconds from the failure to the next attempt. */
  readonly delay: number;
  /** Why: socket.io's disconnect reason or ours. */
  readonly reason: ConnectionLostReason;
  readonly lastError: RexsysError;
}

/** Credentials were refused: no attempt until `reconnect()`. */
export interface UnauthorizedState extends Omit<Absent, 'reason' | 'lastError'> {
  readonly status: 'unauthorized';
  readonly attempt: 0;
  readonly reason: ConnectionLostReason;
  readonly lastError: RexsysAuthError;
}

/** `close()` was called: for good. */
export interface ClosedState extends Absent {
  readonly status: 'closed';
  readonly attempt: 0;
}

/** What `state$` emits: a union discriminated by `status`. */
export type ConnectionState = IdleState | ConnectingState | AuthenticatingState | ReadyState | ReconnectingState | UnauthorizedState | ClosedState;

/** The state of a client nothing has subscribed to yet. */
export const INITIAL_STATE: ConnectionState = Object.freeze({ status: 'idle', attempt: 0 });

const isAuthError = (e: RexsysError): e is RexsysAuthError => e.code === 'E_CERTIFY_REFUSED' || e.code === 'E_LOGIN_REFUSED';

/**
 * The one place states are made: the next state after `event`. Pure; returns `state`
 * itself when nothing changes (so `state$` never repeats a state), and `closed` is final.
 */
export function reduceState(state: ConnectionState, event: ClientEvent): ConnectionState {
  if (state.status === 'closed') return state;
  switch (event.type) {
    case 'connecting':
      // While reconnecting, the status stays until the new attempt gets as far as login.
      return state.status === 'idle' || state.status === 'unauthorized' ? { status: 'connecting', attempt: event.attempt } : state;
    case 'loginSent':
      return { status: 'authenticating', attempt: state.attempt, uid: event.uid, sid: event.sid };
    case 'loginOk':
      return { status: 'ready', attempt: 0, uid: event.uid, sid: event.sid };
    case 'retryScheduled':
      return { status: 'reconnecting', attempt: event.attempt, delay: event.delay, reason: event.reason, lastError: event.error };
    case 'gaveUp':
      return isAuthError(event.error)
        ? { status: 'unauthorized', attempt: 0, reason: event.reason, lastError: event.error }
        : { status: 'idle', attempt: 0, reason: event.reason, lastError: event.error };
    case 'stopped':
      return state.status === 'idle' && !state.lastError ? state : INITIAL_STATE;
    case 'closed':
      return { status: 'closed', attempt: 0 };
    default:
      return state;
  }
}
