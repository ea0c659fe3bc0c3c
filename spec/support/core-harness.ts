/**
 * The connection pipeline wired to fake sockets, for the core's tests in virtual time
 * (jest fake timers): the test plays the server through each {@link FakeSocket}.
 */
import { Subject, defer, of, type Observable, type Subscription } from 'rxjs';
import { createConnection } from '../../lib/client/connection';
import { CredentialSource, type IssuedCredentials } from '../../lib/client/credentials';
import type { ClientEvent } from '../../lib/client/events';
import type { Session } from '../../lib/client/session';
import { INITIAL_STATE, reduceState, type ConnectionState } from '../../lib/client/state';
import type { RexsysError } from '../../lib/errors';
import { FakeSocket } from './fake-socket';

/** Credentials that can be renewed: `fresh` after an invalidate, as a productkey client's are. */
export function renewableSource() {
  let tokens = 0;
  let stale = false;
  return {
    renewable: true,
    gets: 0,
    invalidations: 0,
    get(): Observable<IssuedCredentials> {
      return defer(() => {
        this.gets++;
        const fresh = stale || tokens === 0;
        if (fresh) tokens++;
        stale = false;
        return of({ credentials: { uid: 'kiosk-01', token: `token-${tokens}` }, fresh });
      });
    },
    invalidate() {
      this.invalidations++;
      stale = true;
    },
  };
}

export const fixedSource = () =>
  new CredentialSource({ url: 'http://rexsys.test', project: 'demo', credentials: { uid: 'kiosk-01', token: 'fixed-token' }, renewBefore: 60_000 });

export interface HarnessOptions {
  readonly credentials?: unknown;
  readonly gracePeriod?: number;
  readonly helloTimeout?: number;
  readonly loginTimeout?: number;
  readonly connectTimeout?: number;
  readonly maxRetries?: number;
  readonly stablePeriod?: number;
}

export function harness(options: HarnessOptions = {}) {
  const sockets: FakeSocket[] = [];
  const events: ClientEvent[] = [];
  const errors: RexsysError[] = [];
  const touids: unknown[] = [];
  const states: ConnectionState[] = [];
  let state: ConnectionState = INITIAL_STATE;
  const closing = new Subject<void>();
  const emit = (event: ClientEvent) => {
    events.push(event);
    const next = reduceState(state, event);
    if (next !== state) states.push((state = next));
  };
  const connection = createConnection({
    url: 'http://rexsys.test',
    project: 'demo',
    channel: 'client',
    socketOptions: {},
    connectTimeout: options.connectTimeout ?? 2_000,
    loginTimeout: options.loginTimeout ?? 1_000,
    helloTimeout: options.helloTimeout ?? 100,
    gracePeriod: options.gracePeriod ?? 500,
    backoff: { initialDelay: 100, maxDelay: 1_000, factor: 2, jitter: 0, maxRetries: options.maxRetries, stablePeriod: options.stablePeriod ?? 10_000 },
    credentials: (options.credentials ?? fixedSource()) as CredentialSource,
    emit,
    reportError: (e) => errors.push(e),
    decodeFailed: (e) => errors.push(e),
    onTouid: (p) => touids.push(p),
    closing$: closing,
    heartbeat: false,
    openSocket: (_url, namespace) => {
      const socket = new FakeSocket(namespace, `sid-${sockets.length + 1}`);
      sockets.push(socket);
      return socket.asSocket();
    },
  });
  const values: Array<Session | undefined> = [];
  const subs: Subscription[] = [];
  return {
    connection,
    emit,
    sockets,
    events,
    errors,
    touids,
    states,
    values,
    closing,
    get state() {
      return state;
    },
    statuses: () => states.map((s) => s.status),
    last: () => sockets[sockets.length - 1],
    hold: () => {
      const sub = connection.session$.subscribe((v) => values.push(v));
      subs.push(sub);
      return sub;
    },
    releaseAll: () => subs.splice(0).forEach((s) => s.unsubscribe()),
  };
}

/** The server accepts: hello, CONNECT, login success. */
export function logIn(socket: FakeSocket): void {
  socket.serverHello();
  socket.serverConnect();
  socket.serverEmit('login', { status: 'success' });
}
