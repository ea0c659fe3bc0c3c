import * as E from '../protocol/either.js';
import {
  Observable,
  combineLatest,
  delay,
  filter,
  ignoreElements,
  map,
  merge,
  of,
  race,
  share,
  shareReplay,
  switchMap,
  take,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import type { Socket } from 'socket.io-client';
import type { RexsysCredentials } from '../auth/certify.js';
import { RexsysAuthError, RexsysTimeoutError, RexsysTransportError, asRexsysError, type RexsysDecodeError } from '../errors.js';
import { Hello, classifyLoginReply } from '../protocol/codecs.js';
import { HELLO_EVENT } from '../protocol/hello-parser.js';
import { decodeWith } from '../protocol/report.js';
import { scrub, scrubText } from '../security/secrets.js';
import { heartbeat, type HeartbeatOptions } from '../liveness/heartbeat.js';
import { acksOf, activityOf, probeOverSocket, type TouidListen } from '../liveness/heartbeat-probe.js';
import type { Channel } from '../protocol/codecs.js';
import { reasonOf, withReason, type ClientEvent } from './events.js';

/** A logged-in socket: what the outbox sends on. */
export interface Session {
  readonly socket: Socket;
  /** The logged-in client id (`sender` of every `request`). */
  readonly uid: string;
  /** The session id the server knows the socket by. */
  readonly sid: string;
}

/** What one connection attempt needs. */
export interface SessionOptions {
  /** Makes a new, unconnected socket for the namespace (socket.io reconnection off). */
  readonly open: () => Socket;
  readonly namespace: string;
  readonly credentials: RexsysCredentials;
  /** True when a refusal ends the retries (fixed credentials, or a token certified for this very attempt). */
  readonly refusalIsFinal: boolean;
  /** Milliseconds from `connect()` to the namespace CONNECT. */
  readonly connectTimeout: number;
  /** Milliseconds, once connected, to wait for the hello before using `socket.id`. */
  readonly helloTimeout: number;
  /** Milliseconds to wait for the `login` answer. */
  readonly loginTimeout: number;
  readonly emit: (event: ClientEvent) => void;
  /** A malformed hello (reported, never fatal). */
  readonly decodeFailed: (error: RexsysDecodeError) => void;
  /** Every raw `touid` payload. */
  readonly onTouid: (payload: unknown) => void;
  /** The namespace family (the heartbeat's `request` names it). */
  readonly channel: Channel;
  /** Prove the logged-in link at this pace, or `false`. */
  readonly heartbeat: Required<HeartbeatOptions> | false;
  /** Reasons to prove the link at once (browser wake-ups). @default EMPTY */
  readonly wake$?: Observable<unknown>;
}

/** The events of a socket.io socket as an Observable (socket.io's `on`/`off`). */
function on$<T>(socket: Socket, event: string): Observable<T> {
  return new Observable<T>((subscriber) => {
    const listener = (value: T) => subscriber.next(value);
    socket.on(event, listener);
    return () => socket.off(event, listener);
  });
}

/**
 * One connection attempt, cold: a new socket → namespace CONNECT (within
 * `connectTimeout`) → the hello (before or after the CONNECT; `socket.id` if none
 * comes within `helloTimeout`) → `login` → one {@link Session} value once the server
 * accepts. It then stays open and errors when the session ends: the socket drops
 * (`RexsysTransportError` with socket.io's `reason`), or the server refuses the login,
 * even after accepting it (`RexsysAuthError`, see docs/guide.md "Login and re-login").
 * Unsubscribing closes the socket. Protocol: docs/protocol.md, "The socket" and "Login".
 */
export function loginSession(o: SessionOptions): Observable<Session> {
  const { namespace, credentials, emit } = o;
  const { uid, token } = credentials;
  return new Observable<Session>((subscriber) => {
    const socket = o.open();

    const dropped$ = merge(
      on$<string>(socket, 'disconnect').pipe(
        map((reason): never => {
          throw new RexsysTransportError('E_NETWORK', `The connection was lost (${reason}).`, { reason });
        }),
      ),
      on$<Error>(socket, 'connect_error').pipe(
        map((err): never => {
          throw new RexsysTransportError('E_NETWORK', `Could not connect to ${namespace}: ${err.message}.`, { reason: 'connect error', cause: err });
        }),
      ),
    );

    const connected$ = on$<void>(socket, 'connect').pipe(
      take(1),
      timeout({
        first: o.connectTimeout,
        with: () =>
          throwError(
            () =>
              new RexsysTransportError('E_NETWORK', `The server did not let the socket join ${namespace} within ${o.connectTimeout} ms.`, {
                reason: 'connect timeout',
                mayHaveArrived: false,
              }),
          ),
      }),
      tap(() => emit({ type: 'connected', namespace })),
      shareReplay({ bufferSize: 1, refCount: true }),
    );

    // Every hello is checked for the whole session: a malformed one is reported, never fatal.
    const hellos$ = on$<unknown>(socket, HELLO_EVENT).pipe(
      map((payload) => decodeWith(Hello, payload, 'hello')),
      tap((hello) => {
        if (E.isLeft(hello)) o.decodeFailed(hello.left);
      }),
      filter(E.isRight),
      map((hello) => hello.right.sid),
      share(),
    );

    // The hello may come before or after the CONNECT; without one, socket.id after helloTimeout.
    const sid$ = race(
      hellos$.pipe(
        take(1),
        tap((sid) => emit({ type: 'hello', sid })),
      ),
      connected$.pipe(
        delay(o.helloTimeout),
        map(() => socket.id),
      ),
    );

    const login$ = combineLatest([connected$, sid$]).pipe(
      take(1),
      switchMap(([, sid]) => {
        if (!sid) return throwError(() => new RexsysTransportError('E_NETWORK', 'Connected without a session id.', { reason: 'transport error' }));
        return new Observable<Session>((answer) => {
          const replies = on$<unknown>(socket, 'login')
            .pipe(
              timeout({
                first: o.loginTimeout,
                with: () =>
                  throwError(() =>
                    withReason(
                      new RexsysTimeoutError(`The server did not answer the login of "${uid}" within ${o.loginTimeout} ms.`, { timeoutMs: o.loginTimeout }),
                      'login timeout',
                    ),
                  ),
              }),
              map((reply, index) => {
                const outcome = classifyLoginReply(reply);
                if (!outcome.ok) {
                  const final = o.refusalIsFinal;
                  const when = index === 0 ? 'refused the login' : 'withdrew the login';
                  const error = new RexsysAuthError(
                    'E_LOGIN_REFUSED',
                    scrubText(`The server ${when} of "${uid}" (${outcome.reason})${final ? '' : '; certifying again'}.`),
                    { reply: scrub(reply), final },
                  );
                  emit({ type: 'loginRefused', error });
                  throw error;
                }
                return index;
              }),
              // A second success changes nothing; a later refusal (above) ends the session.
              filter((index) => index === 0),
              map((): Session => ({ socket, uid, sid })),
              tap((session) => emit({ type: 'loginOk', uid: session.uid, sid: session.sid })),
            )
            .subscribe(answer);
          emit({ type: 'loginSent', uid, sid });
          socket.emit('login', { uid, sid, token });
          return replies;
        });
      }),
    );

    // Every message's path: socket.io calls one listener itself (no operator chain in between),
    // which tells the heartbeat (while it watches) and then the client.
    let heard: ((payload?: unknown) => void) | undefined;
    const onTouid = (payload?: unknown): void => {
      heard?.(payload);
      o.onTouid(payload);
    };
    const listenTouid: TouidListen = (listener) => {
      heard = listener;
      return () => {
        if (heard === listener) heard = undefined;
      };
    };
    const touid$ = new Observable<never>(() => {
      socket.on('touid', onTouid);
      return () => socket.off('touid', onTouid);
    });

    // Logged in: prove the link at the heartbeat's pace; a missed probe ends the session (reason 'heartbeat').
    const hb = o.heartbeat;
    const live$ = hb
      ? login$.pipe(
          switchMap((session) =>
            merge(
              of(session),
              heartbeat(hb, {
                probe: () => probeOverSocket(socket, o.channel, session.uid, hb.timeout),
                activity$: activityOf(socket, listenTouid),
                answers$: acksOf(socket),
                wake$: o.wake$,
              }).pipe(
                tap((rtt) => emit({ type: 'heartbeat', rtt })),
                ignoreElements(),
              ),
            ),
          ),
        )
      : login$;

    let loggedIn = false;
    const subscription = merge(dropped$, hellos$.pipe(ignoreElements()), touid$, live$).subscribe({
      next: (session) => {
        loggedIn = true;
        subscriber.next(session);
      },
      error: (e: unknown) => {
        if (loggedIn) {
          const error = asRexsysError(e);
          emit({ type: 'disconnected', reason: reasonOf(error), error });
        }
        subscriber.error(e);
      },
    });
    socket.connect();
    return () => {
      subscription.unsubscribe();
      // A failed or abandoned attempt leaves no half-open socket behind.
      socket.disconnect();
    };
  });
}
