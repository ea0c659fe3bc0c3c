import {
  BehaviorSubject,
  NEVER,
  race,
  ReplaySubject,
  concat,
  defer,
  distinctUntilChanged,
  filter,
  finalize,
  of,
  share,
  switchMap,
  takeUntil,
  tap,
  throwError,
  timer,
  catchError,
} from 'rxjs';
import type { Observable } from 'rxjs';
import type { Socket } from 'socket.io-client';
import { RexsysAuthError, asRexsysError, type RexsysDecodeError, type RexsysError } from '../errors.js';
import type { Channel } from '../protocol/codecs.js';
import { HELLO_EVENT } from '../protocol/hello-parser.js';
import { namespaceFor } from '../protocol/paths.js';
import { retryBackoff, type RetryBackoffOptions } from '../operators/retry-backoff.js';
import { ackTable, createSocket, type SocketIoOptions } from '../transport/socket.js';
import type { CredentialSource } from './credentials.js';
import { reasonOf, type ClientEvent } from './events.js';
import type { HeartbeatOptions } from '../liveness/heartbeat.js';
import type { WakeReason } from '../liveness/browser-wake.js';
import { loginSession, type Session } from './session.js';

/** What the connection needs from the client that owns it. */
export interface ConnectionOptions {
  readonly url: string;
  readonly project: string;
  readonly channel: Channel;
  readonly socketOptions: SocketIoOptions;
  readonly connectTimeout: number;
  readonly loginTimeout: number;
  readonly helloTimeout: number;
  readonly gracePeriod: number;
  /** Backoff between attempts; `stablePeriod` filled in. */
  readonly backoff: RetryBackoffOptions;
  readonly credentials: CredentialSource;
  /** Every lifecycle event (the reducer's input). */
  readonly emit: (event: ClientEvent) => void;
  /** Failures for `errors$`. */
  readonly reportError: (error: RexsysError) => void;
  readonly decodeFailed: (error: RexsysDecodeError) => void;
  /** Every raw `touid` payload. */
  readonly onTouid: (payload: unknown) => void;
  /** Emits once when the client closes: everything ends. */
  readonly closing$: Observable<void>;
  /** Prove each logged-in link at this pace, or `false`. */
  readonly heartbeat: Required<HeartbeatOptions> | false;
  /** Browser wake-ups: prove the link at once, and skip what is left of a backoff wait (except on `offline`). @default EMPTY */
  readonly wake$?: Observable<WakeReason>;
  /** Makes a socket (tests pass a fake). @default createSocket */
  readonly openSocket?: (url: string, namespace: string, options: SocketIoOptions, connectTimeout: number) => Socket;
}

/** A client's connection: one shared pipeline and the switch that restarts it. */
export interface Connection {
  /**
   * The logged-in {@link Session}, or `undefined` while there is none (replayed to each
   * subscriber). Subscribing holds the connection open; it closes `gracePeriod` ms after
   * the last subscriber leaves. Completes when the client closes.
   */
  readonly session$: Observable<Session | undefined>;
  /** Forgets a refusal and starts again (at once if held, else on the next subscription). */
  reconnect(): void;
  /** Listeners on the latest socket (for leak checks). */
  listenerCount(): number;
  /** Acks the latest socket, while connected, still waits for (socket.io's own table; for leak checks). */
  ackCount(): number;
}

type Mode = { readonly run: true } | { readonly run: false; readonly refusal: RexsysAuthError };

const SOCKET_EVENTS = ['connect', 'disconnect', 'connect_error', HELLO_EVENT, 'login', 'touid'];

/**
 * The connection as one cold pipeline, shared by reference count:
 *
 * ```text
 * mode (reconnect() / a final refusal)
 *   switchMap → credentials (certify if needed) → loginSession (socket → hello → login)
 *             → retryBackoff (stablePeriod) → on giving up: parked until reconnect()
 *   share (ReplaySubject(1); reset gracePeriod ms after the last subscriber)
 * ```
 *
 * A final refusal switches the mode to `refused`: `unauthorized` sticks across
 * re-subscriptions, without a single new attempt, until `reconnect()`.
 */
export function createConnection(o: ConnectionOptions): Connection {
  const { channel, project, backoff, credentials, emit } = o;
  const openSocket = o.openSocket ?? createSocket;
  const mode = new BehaviorSubject<Mode>({ run: true });
  /** The latest socket, for leak checks only (every attempt makes its own and closes it when it ends). */
  let latest: Socket | undefined;

  const open = (namespace: string) => () => (latest = openSocket(o.url, namespace, o.socketOptions, o.connectTimeout));

  /** Never retried: a final refusal, or a bug / throwing callback (E_INTERNAL). */
  const retryable = (e: unknown) => !(e instanceof RexsysAuthError && e.final) && asRexsysError(e).code !== 'E_INTERNAL';

  const attempts$: Observable<Session | undefined> = defer(() => {
    let attempt = 0;
    return defer(() => {
      emit({ type: 'connecting', attempt });
      return credentials.get();
    }).pipe(
      switchMap(({ credentials: c, fresh }) =>
        loginSession({
          open: open(c.namespaces?.[channel] ?? namespaceFor(project, channel)),
          namespace: c.namespaces?.[channel] ?? namespaceFor(project, channel),
          credentials: c,
          refusalIsFinal: fresh || !credentials.renewable,
          connectTimeout: o.connectTimeout,
          helloTimeout: o.helloTimeout,
          loginTimeout: o.loginTimeout,
          emit,
          decodeFailed: o.decodeFailed,
          onTouid: o.onTouid,
          channel,
          heartbeat: o.heartbeat,
          wake$: o.wake$,
        }),
      ),
      tap({
        next: () => (attempt = 0),
        // A refused token that can be renewed: certify again on the retry.
        error: (e: unknown) => {
          if (e instanceof RexsysAuthError && !e.final) credentials.invalidate();
        },
      }),
      // "No session" from the moment one ends: in-flight sends learn it at once.
      catchError((e: unknown) =>
        concat(
          of(undefined),
          throwError(() => e),
        ),
      ),
      retryBackoff<Session | undefined>({
        ...backoff,
        skipDelay: backoff.skipDelay ?? (o.wake$ ? o.wake$.pipe(filter((why) => why !== 'offline')) : undefined),
        shouldRetry: (e) => retryable(e) && (backoff.shouldRetry?.(e) ?? true),
        onRetry: (e, retry, delay) => {
          attempt = retry;
          const error = asRexsysError(e);
          o.reportError(error);
          emit({ type: 'retryScheduled', attempt: retry, delay, reason: reasonOf(error), error });
          backoff.onRetry?.(e, retry, delay);
        },
      }),
      catchError((e: unknown) => {
        const error = asRexsysError(e);
        o.reportError(error);
        if (error instanceof RexsysAuthError) mode.next({ run: false, refusal: error });
        else emit({ type: 'gaveUp', reason: reasonOf(error), error });
        return NEVER;
      }),
    );
  });

  /** A refusal is kept: each new subscription is told so, and nothing is tried. */
  const parked = (refusal: RexsysAuthError) =>
    defer(() => {
      emit({ type: 'gaveUp', reason: reasonOf(refusal), error: refusal });
      return NEVER;
    });

  // Once closed, a reset never waits for the grace period (rxjs' share may ask for one after completing).
  const closed$ = new ReplaySubject<void>(1);
  o.closing$.subscribe(closed$);

  const session$ = mode.pipe(
    switchMap((m) => concat(of(undefined), m.run ? attempts$ : parked(m.refusal))),
    distinctUntilChanged(),
    finalize(() => emit({ type: 'stopped' })),
    takeUntil(o.closing$),
    share({
      connector: () => new ReplaySubject<Session | undefined>(1),
      resetOnRefCountZero: o.gracePeriod > 0 ? () => race(timer(o.gracePeriod), closed$) : true,
    }),
  );

  return {
    session$,
    reconnect: () => mode.next({ run: true }),
    listenerCount: () => SOCKET_EVENTS.reduce((n, event) => n + (latest?.listeners(event).length ?? 0), 0),
    // (a closed socket waits for none: socket.io keeps the acks of packets it buffered, with the socket)
    ackCount: () => (latest?.connected ? Object.keys(ackTable(latest) ?? {}).length : 0),
  };
}
