import * as E from '../protocol/either.js';
import type * as t from 'io-ts';
import { BehaviorSubject, Observable, Subject, asyncScheduler, catchError, concatMap, defer, from, map, mergeMap, of, race, takeUntil, throwError } from 'rxjs';
import type { RexsysCredentials } from '../auth/certify.js';
import { RexsysArgumentError, RexsysClosedError, asRexsysError, type RexsysError } from '../errors.js';
import { TouidMessage, type RexsysMessage } from '../protocol/codecs.js';
import { decodeWith } from '../protocol/report.js';
import { decodeMessageData } from '../operators/of-command.js';
import { Connection } from './connection.js';
import { CredentialSource } from './credentials.js';
import { Dispatcher } from './dispatcher.js';
import { Lease } from './lease.js';
import { Outbox } from './outbox.js';
import { sendOverRest } from './send-rest.js';
import { sendOverSocket } from './send-socket.js';
// confirmed delivery (lib/delivery)
import { DeliveryEngine, deliveryEngine } from '../delivery/delivery-engine.js';
import { resolveDeliveryOptions } from '../delivery/delivery-options.js';
import { randomId } from '../delivery/random-id.js';
import type { RexsysOutbox } from '../store/outbox.js';
import type { CommandCodecs, ConnectionState, FanOutResult, RexsysClient, RexsysClientOptions, SendOptions, SendReceipt, Via } from './types.js';

const sameState = (a: ConnectionState, b: ConnectionState) =>
  a.status === b.status && a.uid === b.uid && a.sid === b.sid && a.attempt === b.attempt && a.lastError === b.lastError;

/** Internal hooks for tests and benchmarks; not part of the public API. */
export const internals = Symbol('rexsys-rx internals');

/** What `client[internals]` exposes: counts that must fall back to zero. */
export interface ClientInternals {
  readonly holders: number;
  readonly socketListeners: number;
  readonly dispatcherListeners: number;
  readonly outboxQueued: number;
  readonly outboxInflight: number;
}

/**
 * Creates a reactive Rexsys client. Nothing opens until something subscribes: the
 * first subscriber to `state$`, `messages$` or `command$(…)` (or a pending socket send)
 * opens the one socket, which closes `gracePeriod` ms after the last one leaves.
 *
 * @example
 * ```ts
 * const client = createRexsysClient({ url: 'http://127.0.0.1:4100', project: 'demo', productkey: 'KIOSK-KEY' });
 * client.state$.subscribe((s) => console.log(s.status));
 * client.command$('show', t.type({ url: t.string })).subscribe(({ data }) => open(data.url));
 * client.send({ receiver: 'display-01', command: 'show', data: { url: '/a' } }).subscribe();
 * ```
 */
export function createRexsysClient<C extends CommandCodecs = Record<never, t.Mixed>>(options: RexsysClientOptions<C>): RexsysClient<C> {
  const {
    url,
    project,
    productkey,
    credentials: fixedCredentials,
    channel = 'client',
    transport = 'auto',
    backoff = {},
    loginTimeout = 10_000,
    helloTimeout = 1_000,
    connectTimeout = 10_000,
    gracePeriod = 1_000,
    socket: socketOptions = {},
    http,
    restBody = 'json',
    commands = {} as C,
    outboxSize = 1_000,
    sendTimeout = 15_000,
    socketAck = true,
    renewBefore = 60_000,
    restRetries = 3,
    delivery: deliveryMode = 'server',
  } = options;
  if (!url || !project) throw new RexsysArgumentError('createRexsysClient needs a url and a project.');
  try {
    new URL(url);
  } catch {
    throw new RexsysArgumentError(`"${url}" is not an absolute URL (e.g. https://rexsys.example.com).`);
  }

  const credentialSource = new CredentialSource({ url, project, productkey, credentials: fixedCredentials, http, renewBefore });
  const state = new BehaviorSubject<ConnectionState>({ status: 'idle', attempt: 0 });
  const errors = new Subject<RexsysError>();
  const closing = new Subject<void>();
  const dispatcher = new Dispatcher();
  const outbox = new Outbox(outboxSize, socketAck);
  let closed = false;

  const setState = (next: ConnectionState) => {
    if (!closed && !sameState(state.value, next)) state.next(next);
  };
  const reportError = (e: RexsysError) => errors.next(e);

  const connection = new Connection({
    url,
    project,
    channel,
    socketOptions,
    connectTimeout,
    loginTimeout,
    helloTimeout,
    backoff,
    credentials: credentialSource,
    setState,
    reportError,
    onTouid: (payload) => {
      const decoded = decodeWith(TouidMessage, payload, 'touid');
      // confirmed delivery: envelopes and confirmations are the engine's; plain messages go on.
      if (E.isRight(decoded)) {
        if (!delivery.receive(decoded.right)) dispatcher.dispatch(decoded.right);
      } else reportError(decoded.left);
    },
    onReady: (socket, uid) => outbox.drain(socket, uid),
    onLost: (error) => outbox.connectionLost(error),
  });

  const lease = new Lease(
    () => connection.start(),
    () => {
      connection.stop();
      setState({ status: 'idle', attempt: 0 });
    },
    gracePeriod,
  );

  /** Holds the connection open for as long as the returned Observable is subscribed. */
  const held = <T>(inner: Observable<T>): Observable<T> =>
    new Observable<T>((subscriber) => {
      if (closed) {
        subscriber.complete();
        return;
      }
      const release = lease.acquire();
      const subscription = inner.pipe(takeUntil(closing)).subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        release();
      };
    });

  const listen = (command: string | undefined, codec: t.Type<unknown, unknown, unknown> | undefined): Observable<RexsysMessage> =>
    held(
      new Observable<RexsysMessage>((subscriber) =>
        dispatcher.add(command, (message) => {
          if (!codec) return subscriber.next(message);
          const decoded = decodeMessageData(message, codec);
          if (E.isRight(decoded)) subscriber.next(decoded.right);
          else reportError(decoded.left);
        }),
      ),
    );

  const state$ = new Observable<ConnectionState>((subscriber) => {
    if (closed) {
      subscriber.next(state.value);
      subscriber.complete();
      return;
    }
    return held(state.asObservable()).subscribe(subscriber);
  });

  const encodeData = (command: string, data: unknown): unknown => {
    const codec = (commands as CommandCodecs)[command];
    return codec ? codec.encode(data) : data;
  };

  const resolveVia = (via: Via): 'socket' | 'rest' => (via === 'auto' ? (connection.ready ? 'socket' : 'rest') : via);

  const socketSender = { channel, outbox, lease, ready: () => connection.ready };
  const closedWhilePending$ = closing.pipe(
    map((): never => {
      throw new RexsysClosedError('The client was closed before the send completed.');
    }),
  );
  const restSender = { url, project, channel, credentials: credentialSource, http, body: restBody, backoff, restRetries };

  /** One plain send (what `delivery: 'server'` is), without reporting its failure. */
  const transmit = (receiver: string, command: string, data: unknown, via: Via, timeout: number): Observable<SendReceipt> =>
    resolveVia(via) === 'socket'
      ? sendOverSocket(socketSender, receiver, command, data, timeout)
      : race(sendOverRest(restSender, receiver, command, data, timeout), closedWhilePending$);

  // ── confirmed delivery (lib/delivery): the engine and its host ──
  const delivery = new DeliveryEngine(
    {
      transmit,
      handOver: (message) => {
        if (!dispatcher.listens(message.command)) return false;
        dispatcher.dispatch(message);
        return true;
      },
      hold: () => lease.acquire(),
      uid: randomId,
      now: () => Date.now(),
      scheduler: asyncScheduler,
      report: reportError,
    },
    resolveDeliveryOptions(options.confirmation),
  );
  // durable outbox (lib/store, issue #15): a store given is opened now (E_STORE_LOCKED throws here).
  if (options.store) delivery.attachStore(options.store);
  const confirmedOutbox: RexsysOutbox = {
    get loaded() {
      return delivery.whenLoaded;
    },
    list: () => delivery.pendingSends(),
    outcomes$: delivery.outcomes.asObservable(),
    cancel: (id) => delivery.cancelSend(id),
    flush: () => delivery.flushStore(),
  };
  // Each login (first or again) tells the engine: probes go now, senders learn this receiver is back.
  state.subscribe((s) => {
    if (s.status === 'ready') delivery.online();
  });
  // ── end of confirmed delivery ──

  const send = (
    message: { readonly receiver: string; readonly command: string; readonly data: unknown },
    sendOptions: SendOptions = {},
  ): Observable<SendReceipt> =>
    defer(() => {
      if (closed) return throwError(() => new RexsysClosedError());
      const { receiver, command } = message;
      if (typeof receiver !== 'string' || receiver === '' || typeof command !== 'string' || command === '') {
        return throwError(() => new RexsysArgumentError('send needs a receiver and a command (non-empty strings).'));
      }
      const { via = transport, timeout = sendTimeout, delivery: mode = deliveryMode, ttl } = sendOptions;
      const data = encodeData(command, message.data);
      // close() fails pending sends: socket ones through the outbox, REST ones here.
      const send$ = mode === 'confirmed' ? delivery.send(receiver, command, data, { via, ttl, timeout }) : transmit(receiver, command, data, via, timeout);
      // A failed send errors its own subscriber and is also reported on errors$.
      return send$.pipe(
        catchError((e: unknown) => {
          const error = asRexsysError(e);
          reportError(error);
          return throwError(() => error);
        }),
      );
    });

  const fanOut = (
    message: { readonly receivers: readonly string[]; readonly command: string; readonly data: unknown },
    sendOptions?: SendOptions,
  ): Observable<FanOutResult> =>
    from(message.receivers).pipe(
      // Confirmed: every receiver at once (one offline receiver must not hold up the others for its ttl).
      ((sendOptions?.delivery ?? deliveryMode) === 'confirmed' ? mergeMap : concatMap)((receiver: string) =>
        send({ receiver, command: message.command, data: message.data }, sendOptions).pipe(
          map((receipt): FanOutResult => ({ receiver, ok: true, receipt })),
          catchError((e: unknown) => of<FanOutResult>({ receiver, ok: false, error: asRexsysError(e) })),
        ),
      ),
    );

  const client: RexsysClient<C> & { [internals]: ClientInternals; [deliveryEngine]: DeliveryEngine } = {
    state$,
    messages$: listen(undefined, undefined),
    errors$: errors.asObservable(),
    command$: ((command: string, codec?: t.Type<unknown, unknown, unknown>) =>
      listen(command, codec ?? (commands as CommandCodecs)[command])) as RexsysClient<C>['command$'],
    send: send as RexsysClient<C>['send'],
    fanOut,
    outbox: confirmedOutbox,
    reconnect(credentials?: RexsysCredentials) {
      if (closed) return;
      credentialSource.reset(credentials);
      connection.clearRefusal();
      connection.stop();
      if (lease.active) connection.start();
    },
    get state() {
      return state.value;
    },
    close() {
      if (closed) return;
      setState({ status: 'closed', attempt: 0 });
      closed = true;
      delivery.dispose();
      outbox.failAll(new RexsysClosedError('The client was closed before the send completed.'));
      lease.dispose();
      connection.dispose();
      closing.next();
      closing.complete();
      state.complete();
      errors.complete();
    },
    [deliveryEngine]: delivery,
    get [internals](): ClientInternals {
      return {
        holders: lease.holders,
        socketListeners: connection.listenerCount(),
        dispatcherListeners: dispatcher.size,
        outboxQueued: outbox.queuedCount,
        outboxInflight: outbox.inflightCount,
      };
    },
  };
  return client;
}
