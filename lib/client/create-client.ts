import * as E from '../protocol/either.js';
import { createLogger } from '../logging/logger.js';
import { scrubError } from '../security/secrets.js';
import type * as t from 'io-ts';
import {
  BehaviorSubject,
  EMPTY,
  asyncScheduler,
  Observable,
  Subject,
  catchError,
  concatMap,
  defer,
  from,
  map,
  merge,
  mergeMap,
  of,
  takeUntil,
  type Subscriber,
} from 'rxjs';
import type { RexsysCredentials } from '../auth/certify.js';
import { RexsysArgumentError, RexsysClockSkewError, RexsysClosedError, RexsysEncodingError, asRexsysError, type RexsysError } from '../errors.js';
import { TouidMessage, touidOf, type RexsysMessage } from '../protocol/codecs.js';
import { decodeWith } from '../protocol/report.js';
import { decodeMessageData } from '../operators/of-command.js';
import { JsonText } from '../transport/rest-send.js';
import { createConnection } from './connection.js';
import { CredentialSource } from './credentials.js';
import { Dispatcher } from './dispatcher.js';
import type { ClientEvent } from './events.js';
import { MetricsRecorder, type ClientMetrics } from './metrics.js';
import { checkTimeout, resolveClientOptions } from './options.js';
import { Outbox } from './outbox.js';
import { failRestSends, sendOverRest, startRestSend, type RestSend } from './send-rest.js';
import { sendOverSocket, startSocketSend } from './send-socket.js';
import { SessionHold } from './hold.js';
import { INITIAL_STATE, reduceState, type ConnectionState } from './state.js';
import type { CommandCodecs, FanOutResult, RexsysClient, RexsysClientOptions, SendOptions, SendReceipt, Via } from './types.js';
import { browserWake } from '../liveness/browser-wake.js';
import { resolveHeartbeat } from '../liveness/heartbeat.js';
import { HEARTBEAT_COMMAND } from '../liveness/heartbeat-probe.js';
// confirmed delivery (lib/delivery)
import type { DeliveryEngine } from '../delivery/delivery-engine.js';
import { ReliableOnDemand, deliveryEngine, requestReply } from './reliable-on-demand.js';
import { resolveDeliveryOptions } from '../delivery/delivery-options.js';
import { randomId } from '../delivery/random-id.js';
// request/reply (lib/request)
import type { RequestReply } from '../request/request-reply.js';
import type { ReplyHandler } from '../request/responder.js';
import type { RequestOptions } from '../request/types.js';
import { openStore } from '../store/open-store.js';
import { storeContextOf } from '../store/types.js';
import type { RexsysOutbox } from '../store/outbox.js';

/** Internal hooks for tests and benchmarks; not part of the public API. */
export const internals = Symbol('rexsys-rx internals');

/** What `client[internals]` exposes: counts that must fall back to zero. */
export interface ClientInternals {
  readonly holders: number;
  readonly socketListeners: number;
  /** Acks socket.io still holds for the latest socket. */
  readonly socketAcks: number;
  readonly dispatcherListeners: number;
  readonly outboxQueued: number;
  readonly outboxInflight: number;
}

/** The codec a map gives a command: own properties only (`constructor`, `__proto__`… are command names like any other). */
const codecOf = (commands: CommandCodecs, command: string): t.Mixed | undefined =>
  Object.prototype.hasOwnProperty.call(commands, command) ? commands[command] : undefined;

/** A JSON replacer that skips what socket.io sends as binary attachments (JSON cannot hold a BigInt64Array; socket.io can). */
const binaryAsNull = (_key: string, value: unknown): unknown => (ArrayBuffer.isView(value) || value instanceof ArrayBuffer ? null : value);

const isBlank = (s: unknown): boolean => typeof s !== 'string' || s.trim() === '';

/** What the metrics see of a received message when nobody else looks at its event. */
const MESSAGE_RECEIVED: ClientEvent = { type: 'messageReceived', command: '' };

/**
 * Creates a reactive Rexsys client. Nothing opens until something subscribes: the
 * first subscriber to `state$`, `messages$` or `command$(…)` (or a pending socket send)
 * opens the one socket, which closes `gracePeriod` ms after the last one leaves.
 *
 * The lifecycle is one pipeline (`./connection.ts`), its events are reduced to states
 * by one pure function (`./state.ts`); this file only composes them.
 *
 * @example
 * ```ts
 * const client = createRexsysClient({ url: 'http://127.0.0.1:4100', project: 'demo', productkey: 'KIOSK-KEY' });
 * client.state$.subscribe((s) => console.log(s.status));
 * client.command$('show', t.type({ url: t.string })).subscribe(({ data }) => open(data.url));
 * client.send({ receiver: 'display-01', command: 'show', data: { url: '/a' } }).subscribe();
 * ```
 */
export function createRexsysClient<C extends CommandCodecs = Record<never, t.Mixed>, R extends CommandCodecs = Record<never, t.Mixed>>(
  options: RexsysClientOptions<C, R>,
): RexsysClient<C, R> {
  const o = resolveClientOptions(options);
  const commands: CommandCodecs = o.commands;
  const heartbeat = resolveHeartbeat(options.heartbeat);

  // ---- events → state (one reducer), metrics (one fold), events$ -------------------------------
  const state = new BehaviorSubject<ConnectionState>(INITIAL_STATE);
  const events = new Subject<ClientEvent>();
  const errors = new Subject<RexsysError>();
  const closing = new Subject<void>();
  const metrics = new MetricsRecorder();
  const log = createLogger(options.logger);
  const isClosed = () => state.value.status === 'closed';

  const emit = (event: ClientEvent): void => {
    metrics.record(event);
    log?.(event);
    // A received message changes no state (the reducer returns it unchanged, pinned by a unit
    // test): skipped on every message's path, where it was 7 % of the receive cost (#18).
    if (event.type !== 'messageReceived') {
      const current = state.value;
      const next = reduceState(current, event);
      if (next !== current) state.next(next);
    }
    // Subject.next allocates even with no observer (an events$ subscriber sees every event all the same).
    if (events.observed) events.next(event);
  };
  // Whatever reaches errors$ (and so lastError, the CLI, a logger) has the secrets this process holds scrubbed.
  const reportError = (error: RexsysError): void => errors.next(scrubError(error));

  const warned = new Set<string>();
  const decodeFailed = (error: RexsysError & { readonly source?: string }): void => {
    emit({ type: 'decodeFailed', source: error.source, error });
    if (o.warnUnhandledErrors && !errors.observed && !warned.has(error.source ?? '')) {
      warned.add(error.source ?? '');
      console.warn(
        `rexsys-rx: a payload (${error.source ?? 'unknown'}) failed to decode and nothing listens on client.errors$; later failures of this kind are not logged (warnUnhandledErrors: false silences this). ${error.message}`,
      );
    }
    reportError(error);
  };

  // ---- credentials and the connection pipeline -------------------------------------------------
  let skewReported = false;
  const credentialSource = new CredentialSource({
    url: o.url,
    project: o.project,
    productkey: o.productkey,
    credentials: o.credentials,
    http: o.http,
    renewBefore: o.renewBefore,
    onCertified: (credentials, skewed) => {
      emit({ type: 'certified', uid: credentials.uid, skewed });
      if (!skewed || skewReported || credentials.expiresAt === undefined) return;
      skewReported = true;
      const receivedAt = Date.now();
      reportError(
        new RexsysClockSkewError(
          `The token for "${credentials.uid}" arrived already expired or due for renewal (it expires ${new Date(credentials.expiresAt).toISOString()}, ` +
            `this device says ${new Date(receivedAt).toISOString()}, renewBefore ${o.renewBefore} ms): the server's clock and this one disagree. ` +
            `It is used until the server refuses it, with a new certify at most once a minute.`,
          { expiresAt: credentials.expiresAt, receivedAt },
        ),
      );
    },
  });

  const dispatcher = new Dispatcher();
  /** Seam: every decoded incoming message goes through here to the streams. */
  const deliver = (message: RexsysMessage): void => {
    // Every message's event is built only for a logger or an events$ subscriber; the metrics only count it (#18).
    if (log || events.observed) emit({ type: 'messageReceived', command: message.command });
    else metrics.record(MESSAGE_RECEIVED);
    dispatcher.dispatch(message);
  };
  /** Every `touid` payload, called by socket.io itself: nothing it does may throw into socket.io (a bug is reported on errors$, E_INTERNAL). */
  const receive = (payload: unknown): void => {
    try {
      // Our own heartbeat, routed back by the server (or another client's of the same uid): never the application's.
      if ((payload as { command?: unknown } | null)?.command === HEARTBEAT_COMMAND) return;
      const message = touidOf(payload);
      if (message === undefined) {
        const decoded = decodeWith(TouidMessage, payload, 'touid');
        if (E.isLeft(decoded)) decodeFailed(decoded.left);
        return;
      }
      // confirmed delivery: envelopes and confirmations are the engine's; plain messages go on.
      // request/reply: a plain request or reply is taken there (a request nobody answers goes on).
      if (!reliable.receive(message)) deliver(message);
    } catch (e) {
      reportError(asRexsysError(e));
    }
  };

  const connection = createConnection({
    url: o.url,
    project: o.project,
    channel: o.channel,
    socketOptions: o.socket,
    connectTimeout: o.connectTimeout,
    loginTimeout: o.loginTimeout,
    helloTimeout: o.helloTimeout,
    gracePeriod: o.gracePeriod,
    backoff: o.backoff,
    credentials: credentialSource,
    emit,
    reportError,
    decodeFailed,
    onTouid: receive,
    closing$: closing,
    heartbeat,
    wake$: browserWake(),
  });

  const outbox = new Outbox(o.outboxSize, o.socketAck);
  /** The hold on the connection: one subscription to it for every holder (`state$`, each stream, each pending socket send); it drives the outbox. */
  const hold = new SessionHold(connection.session$, outbox);
  /** Holds the connection while subscribed; completes on close. */
  const session$ = new Observable<never>((subscriber) => {
    hold.acquire();
    const closed = closing.subscribe(() => subscriber.complete());
    return () => {
      closed.unsubscribe();
      hold.release();
    };
  });
  /**
   * A stream of messages (of one command, or all): holds the connection open while
   * subscribed, completes on close. One Observable, no operator chain: a message goes
   * from the dispatcher to the subscriber in one call (#18: with 1,000 streams, each
   * link of a chain is memory a message touches).
   */
  const listen = (command: string | undefined, codec: t.Type<unknown, unknown, unknown> | undefined): Observable<RexsysMessage> =>
    new Observable<RexsysMessage>((subscriber) => {
      if (isClosed()) return subscriber.complete();
      const held = session$.subscribe({ complete: () => subscriber.complete() });
      const remove = dispatcher.add(
        command,
        codec
          ? {
              next: (message) => {
                const decoded = decodeMessageData(message, codec);
                if (E.isRight(decoded)) subscriber.next(decoded.right);
                else decodeFailed(decoded.left);
              },
            }
          : subscriber,
      );
      return () => {
        remove();
        held.unsubscribe();
      };
    });

  /**
   * Holds the connection until the returned release is called (idempotent): the delivery
   * engine's and request/reply's pending work. A counted hold, as a socket send's (no
   * subscription per holder); both release theirs on close.
   */
  const holdConnection = (): (() => void) => {
    hold.acquire();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      hold.release();
    };
  };
  // Subscribing to the connection first means the first state a subscriber sees is already `connecting`.
  const state$ = defer(() => (isClosed() ? of(state.value) : merge(session$, state)));
  /** `inner`, holding the connection open while subscribed; completes on close (request/reply's streams). */
  const held = <T>(inner: Observable<T>): Observable<T> => defer(() => (isClosed() ? EMPTY : merge(session$, inner).pipe(takeUntil(closing))));

  // ---- sending ---------------------------------------------------------------------------------
  const socketSender = { channel: o.channel, outbox, emit, hold };
  const restSender = {
    url: o.url,
    project: o.project,
    channel: o.channel,
    credentials: credentialSource,
    http: o.http,
    body: o.restBody,
    backoff: o.backoff,
    restRetries: o.restRetries,
    emit,
    pending: new Set<RestSend>(),
    isClosed,
  };

  const resolveVia = (via: Via): 'socket' | 'rest' => (via === 'auto' ? (state.value.status === 'ready' ? 'socket' : 'rest') : via);

  /**
   * Seam: one plain send (what `delivery: 'server'` is) of data already encoded, over
   * `via` (`'auto'` resolved now). Emits the send events; does not report its failure on
   * errors$ (`send` does, once, whatever the delivery mode).
   */
  const transmit = (receiver: string, command: string, data: unknown, via: Via, timeout: number): Observable<SendReceipt> => {
    // A socket send emits its own events, sendAcked and sendFailed included (./send-socket.ts).
    if (resolveVia(via) === 'socket') return sendOverSocket(socketSender, receiver, command, data, timeout);
    // A REST send emits its own events too, and close() fails it (./send-rest.ts).
    return sendOverRest(restSender, receiver, command, data, timeout);
  };

  /**
   * The wire form of `data`: the map's codec applied, and checked to be serialisable
   * (E_ENCODE otherwise). Serialised once on each path (#18: a second pass was the largest
   * of the library's own costs of a send, and grows with the data):
   * - `'socket-now'`, a socket send socket.io encodes in this very call: not checked (its
   *   failure is E_ENCODE as well, see Outbox);
   * - `'socket-later'`, one queued: checked now, so it fails at once, with binary data
   *   (typed arrays, buffers) passed over as socket.io passes it, as attachments;
   * - `'rest'`: the check's JSON text is what the POST carries ({@link JsonText});
   * - `'confirmed'`: checked as JSON (it may go over REST, and into a store).
   */
  const encode = (receiver: string, command: string, data: unknown, path: 'socket-now' | 'socket-later' | 'rest' | 'confirmed'): unknown => {
    try {
      const codec = codecOf(commands, command);
      const encoded: unknown = codec ? codec.encode(data) : data;
      if (path === 'socket-now') return encoded;
      const text = JSON.stringify(encoded, path === 'socket-later' ? binaryAsNull : undefined);
      return path === 'rest' ? new JsonText(text) : encoded;
    } catch (e) {
      throw new RexsysEncodingError(`"${command}" to "${receiver}" could not be encoded: ${e instanceof Error ? e.message : String(e)}. Nothing was sent.`, {
        code: 'E_ENCODE',
        cause: e,
      });
    }
  };

  // ── confirmed delivery (lib/delivery) and request/reply (lib/request), loaded on first use ──
  const deliveryOptions = resolveDeliveryOptions(options.confirmation);
  // durable outbox (lib/store, issue #15): a store given is opened now (E_STORE_LOCKED throws here), and the code loads at once.
  const store = options.store;
  const opened = store ? openStore(store, storeContextOf({ report: reportError, now: () => Date.now(), scheduler: asyncScheduler })) : undefined;
  const reliable = new ReliableOnDemand({
    make: ({ DeliveryEngine, RequestReply }) => {
      const engine: DeliveryEngine = new DeliveryEngine(
        {
          // Without an ack (first copies, confirmations): over the socket, done once emitted.
          transmit: (receiver, command, data, via, timeout, ack) =>
            ack || resolveVia(via) !== 'socket'
              ? transmit(receiver, command, data, via, timeout)
              : sendOverSocket(socketSender, receiver, command, data, timeout, false),
          handOver: (message) => {
            // request/reply: requests and replies are taken (or not) there, never dispatched.
            const taken: boolean | undefined = rpc.take(message);
            if (taken !== undefined) return taken;
            if (!dispatcher.listens(message.command)) return false;
            deliver(message);
            return true;
          },
          hold: holdConnection,
          uid: randomId,
          now: () => Date.now(),
          scheduler: asyncScheduler,
          soon: (work) => queueMicrotask(work),
          report: reportError,
        },
        deliveryOptions,
      );
      if (store && opened) engine.attachStore(store, opened.open);
      const rpc: RequestReply = new RequestReply({
        confirmedSend: (receiver, command, data, sendOptions) => engine.send(receiver, command, data, sendOptions),
        hold: holdConnection,
        held,
        requestCodec: (command) => codecOf(commands, command),
        replyCodec: (command) => codecOf(options.replies ?? {}, command),
        uid: randomId,
        now: () => Date.now(),
        scheduler: asyncScheduler,
        report: reportError,
        closed: isClosed,
        closing,
        sendTimeout: o.sendTimeout,
        transport: o.transport,
      });
      if (state.value.status === 'ready') engine.online();
      return { engine, rpc };
    },
    receive: ({ engine, rpc }, message) => {
      if (!engine.receive(message) && rpc.take(message) !== true) deliver(message);
    },
    report: reportError,
    scheduler: asyncScheduler,
  });
  if (store || o.delivery === 'confirmed') reliable.load().catch(() => undefined); // a failure reaches the first use
  const confirmedOutbox: RexsysOutbox = {
    get loaded() {
      return store ? reliable.load().then(({ engine }) => engine.whenLoaded) : Promise.resolve();
    },
    list: () => reliable.pendingSends(),
    outcomes$: reliable.outcomes.asObservable(),
    cancel: (id) => reliable.cancelSend(id),
    flush: () => (store ? reliable.load().then(({ engine }) => engine.flushStore()) : Promise.resolve()),
  };
  // Each login (first or again) tells the engine: probes go now, senders learn this receiver is back.
  state.subscribe((s) => {
    if (s.status === 'ready') reliable.online();
  });
  // ── end of confirmed delivery and request/reply ──

  const send = (
    message: { readonly receiver: string; readonly command: string; readonly data: unknown },
    sendOptions: SendOptions = {},
  ): Observable<SendReceipt> =>
    // One Observable, no operator chain: the socket send path is as short as a bare emit can make it (#18).
    new Observable<SendReceipt>((subscriber) => {
      // (thrown here: the subscriber's error)
      if (isClosed()) throw new RexsysClosedError();
      const { receiver, command } = message ?? {};
      if (isBlank(receiver) || typeof command !== 'string' || command === '') {
        throw new RexsysArgumentError('send needs a receiver (not blank) and a command (a non-empty string).');
      }
      const { via = o.transport, timeout = o.sendTimeout, delivery: mode = o.delivery, ttl } = sendOptions;
      checkTimeout('timeout', timeout);
      // (resolved once: the data's form below depends on it)
      const transport = resolveVia(via);
      const path = mode === 'confirmed' ? 'confirmed' : transport === 'rest' ? 'rest' : hold.emitsNow ? 'socket-now' : 'socket-later';
      let data: unknown;
      try {
        data = encode(receiver, command, message.data, path);
      } catch (e) {
        const error = asRexsysError(e);
        emit({ type: 'sendFailed', via: transport, receiver, command, error });
        reportError(error);
        throw error;
      }
      // A failed send errors its own subscriber and is also reported on errors$.
      if (mode === 'confirmed') {
        // The engine's code is loaded on first use: started at once when it is there, else once it is.
        const start = (engine: DeliveryEngine, to: Subscriber<SendReceipt>) => engine.start(to, receiver, command, data, { via, ttl, timeout }, reportError);
        const loaded = reliable.current;
        if (loaded) return start(loaded.engine, subscriber);
        let started = false;
        return reliable
          .use(
            ({ engine }) =>
              new Observable<SendReceipt>((to) => {
                started = true;
                return start(engine, to);
              }),
          )
          .subscribe({
            next: (receipt) => subscriber.next(receipt),
            error: (e: unknown) => {
              const error = asRexsysError(e);
              if (!started) reportError(error); // the engine reports its own failures; a failed load is reported here
              subscriber.error(error);
            },
            complete: () => subscriber.complete(),
          });
      }
      if (transport === 'socket') return startSocketSend(socketSender, subscriber, receiver, command, data, timeout, reportError);
      return startRestSend(restSender, subscriber, receiver, command, data, timeout, reportError);
    });

  const fanOut = (
    message: { readonly receivers: readonly string[]; readonly command: string; readonly data: unknown },
    sendOptions?: SendOptions,
  ): Observable<FanOutResult> =>
    from(message.receivers).pipe(
      // Confirmed: every receiver at once (one offline receiver must not hold up the others for its ttl).
      ((sendOptions?.delivery ?? o.delivery) === 'confirmed' ? mergeMap : concatMap)((receiver: string) =>
        send({ receiver, command: message.command, data: message.data }, sendOptions).pipe(
          map((receipt): FanOutResult => ({ receiver, ok: true, receipt })),
          catchError((e: unknown) => of<FanOutResult>({ receiver, ok: false, error: asRexsysError(e) })),
        ),
      ),
    );

  // ---- the client ------------------------------------------------------------------------------
  const client: RexsysClient<C, R> & {
    [internals]: ClientInternals;
    readonly [deliveryEngine]: DeliveryEngine | undefined;
    readonly [requestReply]: RequestReply | undefined;
  } = {
    state$,
    messages$: listen(undefined, undefined),
    errors$: errors.asObservable(),
    events$: events.asObservable(),
    command$: (command: string, codec?: t.Type<unknown, unknown, unknown>) => listen(command, codec ?? codecOf(commands, command)),
    send,
    fanOut,
    // request/reply (lib/request)
    request: (message: { readonly receiver: string; readonly command: string; readonly data: unknown }, requestOptions?: RequestOptions) =>
      reliable.use(({ rpc }) => rpc.request(message, requestOptions)),
    reply: (command: string, handler: ReplyHandler) => reliable.use(({ rpc }) => rpc.reply(command, handler)),
    get [requestReply]() {
      return reliable.current?.rpc;
    },
    outbox: confirmedOutbox,
    reconnect(credentials?: RexsysCredentials) {
      if (isClosed()) return;
      credentialSource.reset(credentials);
      emit({ type: 'reconnectRequested' });
      connection.reconnect();
    },
    get state() {
      return state.value;
    },
    metrics(): ClientMetrics {
      return metrics.snapshot({ outboxQueued: outbox.queuedCount, outboxInflight: outbox.inflightCount });
    },
    /** Seam: everything the client owns ends here (streams complete, pending sends fail, the socket closes). */
    close() {
      if (isClosed()) return;
      emit({ type: 'closed' });
      // A store opened for an engine that never came is let go (its lock included).
      if (!reliable.current) opened?.abandon();
      reliable.dispose();
      outbox.failAll(new RexsysClosedError('The client was closed before the send completed.'));
      failRestSends(restSender.pending);
      closing.next();
      closing.complete();
      state.complete();
      events.complete();
      errors.complete();
    },
    get [deliveryEngine]() {
      return reliable.current?.engine;
    },
    get [internals](): ClientInternals {
      return {
        holders: hold.count,
        socketListeners: connection.listenerCount(),
        socketAcks: connection.ackCount(),
        dispatcherListeners: dispatcher.size,
        outboxQueued: outbox.queuedCount,
        outboxInflight: outbox.inflightCount,
      };
    },
  };
  return client;
}
