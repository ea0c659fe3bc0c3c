import * as E from '../protocol/either.js';
import { Observable, defer, switchMap, type Subscription } from 'rxjs';
import type { Socket } from 'socket.io-client';
import type { RexsysCredentials } from '../auth/certify.js';
import { RexsysAuthError, RexsysError, asRexsysError, RexsysTimeoutError, RexsysTransportError } from '../errors.js';
import { Hello, classifyLoginReply, type Channel } from '../protocol/codecs.js';
import { HELLO_EVENT } from '../protocol/hello-parser.js';
import { namespaceFor } from '../protocol/paths.js';
import { decodeWith } from '../protocol/report.js';
import { retryBackoff, type RetryBackoffOptions } from '../operators/retry-backoff.js';
import { withoutTokens } from '../transport/http.js';
import { createSocket, type SocketIoOptions } from '../transport/socket.js';
import type { CredentialSource } from './credentials.js';
import type { ConnectionState } from './types.js';

type Timer = ReturnType<typeof setTimeout>;

/** What a connection needs from the client that owns it. */
export interface ConnectionOptions {
  readonly url: string;
  readonly project: string;
  readonly channel: Channel;
  readonly socketOptions: SocketIoOptions;
  readonly connectTimeout: number;
  readonly loginTimeout: number;
  readonly helloTimeout: number;
  readonly backoff: RetryBackoffOptions;
  readonly credentials: CredentialSource;
  readonly setState: (state: ConnectionState) => void;
  readonly reportError: (error: RexsysError) => void;
  /** Every raw `touid` payload. */
  readonly onTouid: (payload: unknown) => void;
  /** Logged in: the socket may carry `request`s now. */
  readonly onReady: (socket: Socket, uid: string) => void;
  /** The logged-in socket is gone (dropped, refused, stopped). */
  readonly onLost: (reason: RexsysError) => void;
}

interface Session {
  readonly uid: string;
  readonly sid: string;
}

/**
 * One client's socket and its lifecycle: certify (when needed), connect, wait for the
 * hello, log in, and after any failure do it all again with backoff. `start()` and
 * `stop()` are driven by the client's lease; the socket object is made once and reused.
 */
export class Connection {
  private socket: Socket | undefined;
  private namespace: string | undefined;
  private run: Subscription | undefined;
  private readySocket: { readonly socket: Socket; readonly uid: string } | undefined;
  private refusal: RexsysAuthError | undefined;

  constructor(private readonly o: ConnectionOptions) {}

  /** The socket and its uid while logged in, else undefined. */
  get ready(): { readonly socket: Socket; readonly uid: string } | undefined {
    return this.readySocket;
  }

  /** socket.io listener count of the socket (for leak checks). */
  listenerCount(): number {
    const s = this.socket as unknown as { _callbacks?: Record<string, unknown[]> } | undefined;
    return s?._callbacks ? Object.values(s._callbacks).reduce((n, l) => n + l.length, 0) : 0;
  }

  /**
   * Starts connecting, unless credentials were refused: `unauthorized` sticks, without
   * a single new attempt, until {@link clearRefusal} (the client's `reconnect()`).
   */
  start(): void {
    if (this.run) return;
    if (this.refusal) {
      this.o.setState({ status: 'unauthorized', attempt: 0, lastError: this.refusal });
      return;
    }
    this.o.setState({ status: 'connecting', attempt: 0 });
    const loop$ = defer(() => this.o.credentials.get()).pipe(
      switchMap(({ credentials, fresh }) => this.attempt(credentials, fresh)),
      retryBackoff({
        ...this.o.backoff,
        // A final refusal is never retried; anything else is, unless the user's shouldRetry says no.
        shouldRetry: (e) => !(e instanceof RexsysAuthError && e.final) && (this.o.backoff.shouldRetry?.(e) ?? true),
        onRetry: (e, retry, delay) => {
          const error = asRexsysError(e);
          this.o.reportError(error);
          this.o.setState({ status: 'reconnecting', attempt: retry, lastError: error });
          this.o.backoff.onRetry?.(e, retry, delay);
        },
      }),
    );
    this.run = loop$.subscribe({
      next: ({ uid, sid }) => {
        this.o.setState({ status: 'ready', uid, sid, attempt: 0 });
        if (this.readySocket) this.o.onReady(this.readySocket.socket, this.readySocket.uid);
      },
      error: (e: unknown) => {
        const error = asRexsysError(e);
        this.o.reportError(error);
        this.run = undefined;
        if (error instanceof RexsysAuthError) this.refusal = error;
        this.o.setState({ status: error instanceof RexsysAuthError ? 'unauthorized' : 'idle', attempt: 0, lastError: error });
      },
    });
  }

  /** Forgets a refusal so the next start tries again. */
  clearRefusal(): void {
    this.refusal = undefined;
  }

  /** Stops connecting and closes the socket. */
  stop(): void {
    this.run?.unsubscribe();
    this.run = undefined;
    this.socket?.disconnect();
  }

  /** Stops for good: the socket and its manager are released. */
  dispose(): void {
    this.stop();
    this.socket?.off();
    this.socket = undefined;
  }

  private socketFor(namespace: string): Socket {
    if (this.socket && this.namespace === namespace) return this.socket;
    this.socket?.disconnect();
    this.socket?.off();
    this.namespace = namespace;
    this.socket = createSocket(this.o.url, namespace, this.o.socketOptions, this.o.connectTimeout);
    return this.socket;
  }

  /**
   * One try: connect, hello, login. Emits once when logged in, then stays open until
   * the socket drops, which is an error (so the retry loop reconnects).
   */
  private attempt(credentials: RexsysCredentials, fresh: boolean): Observable<Session> {
    const { project, channel, loginTimeout, helloTimeout } = this.o;
    const namespace = credentials.namespaces?.[channel] ?? namespaceFor(project, channel);
    const socket = this.socketFor(namespace);

    return new Observable<Session>((subscriber) => {
      let sid: string | undefined;
      let connected = false;
      let loginSent = false;
      let loggedIn = false;
      let helloTimer: Timer | undefined;
      let loginTimer: Timer | undefined;

      const fail = (error: RexsysError) => subscriber.error(error);

      const login = () => {
        if (loginSent || !connected) return;
        if (helloTimer !== undefined) clearTimeout(helloTimer);
        helloTimer = undefined;
        sid ??= socket.id;
        if (!sid) return fail(new RexsysTransportError('E_NETWORK', 'Connected without a session id.'));
        loginSent = true;
        this.o.setState({ status: 'authenticating', uid: credentials.uid, sid, attempt: 0 });
        socket.emit('login', { uid: credentials.uid, sid, token: credentials.token });
        loginTimer = setTimeout(
          () => fail(new RexsysTimeoutError(`The server did not answer the login of "${credentials.uid}" within ${loginTimeout} ms.`, { timeoutMs: loginTimeout })),
          loginTimeout,
        );
      };

      const onHello = (payload: unknown) => {
        const hello = decodeWith(Hello, payload, 'hello');
        if (E.isLeft(hello)) {
          this.o.reportError(hello.left);
          return;
        }
        if (loginSent) return;
        sid = hello.right.sid;
        login();
      };

      const onConnect = () => {
        connected = true;
        if (sid) login();
        else helloTimer = setTimeout(login, helloTimeout);
      };

      const onLogin = (reply: unknown) => {
        if (!loginSent || loggedIn) return;
        if (loginTimer !== undefined) clearTimeout(loginTimer);
        loginTimer = undefined;
        const outcome = classifyLoginReply(reply);
        if (!outcome.ok) {
          const final = fresh || !this.o.credentials.renewable;
          if (!final) this.o.credentials.invalidate();
          return fail(
            new RexsysAuthError(
              'E_LOGIN_REFUSED',
              `The server refused the login of "${credentials.uid}" (${outcome.reason})${final ? '' : '; certifying again'}.`,
              { reply: withoutTokens(reply), final },
            ),
          );
        }
        loggedIn = true;
        this.readySocket = { socket, uid: credentials.uid };
        subscriber.next({ uid: credentials.uid, sid: sid as string });
      };

      const onDisconnect = (reason: string) => fail(new RexsysTransportError('E_NETWORK', `The connection was lost (${reason}).`));
      const onConnectError = (err: Error) => fail(new RexsysTransportError('E_NETWORK', `Could not connect to ${namespace}: ${err.message}.`));
      const onTouid = (payload: unknown) => this.o.onTouid(payload);

      socket.on(HELLO_EVENT, onHello);
      socket.on('connect', onConnect);
      socket.on('login', onLogin);
      socket.on('disconnect', onDisconnect);
      socket.on('connect_error', onConnectError);
      socket.on('touid', onTouid);
      if (socket.connected) onConnect();
      else socket.connect();

      return () => {
        if (helloTimer !== undefined) clearTimeout(helloTimer);
        if (loginTimer !== undefined) clearTimeout(loginTimer);
        socket.off(HELLO_EVENT, onHello);
        socket.off('connect', onConnect);
        socket.off('login', onLogin);
        socket.off('disconnect', onDisconnect);
        socket.off('connect_error', onConnectError);
        socket.off('touid', onTouid);
        if (this.readySocket?.socket === socket) {
          this.readySocket = undefined;
          this.o.onLost(new RexsysTransportError('E_NETWORK', 'The connection was lost before the server acknowledged the send.'));
        }
        // A failed or abandoned try leaves no half-open socket behind.
        socket.disconnect();
      };
    });
  }
}
