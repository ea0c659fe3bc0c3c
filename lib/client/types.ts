import type { AxiosInstance } from 'axios';
import type { RexsysLoggerOptions } from '../logging/logger.js';
import type * as t from 'io-ts';
import type { Observable } from 'rxjs';
import type { RexsysCredentials } from '../auth/certify.js';
import type { RexsysError } from '../errors.js';
import type { Channel, RexsysMessage } from '../protocol/codecs.js';
import type { RetryBackoffOptions } from '../operators/retry-backoff.js';
import type { BodyFormat } from '../transport/http.js';
import type { ClientEvent } from './events.js';
import type { ClientMetrics } from './metrics.js';
import type { ConnectionState } from './state.js';
import type { ConfirmedDeliveryOptions, DeliveryMode } from '../delivery/delivery-options.js';
import type { SocketIoOptions } from '../transport/socket.js';
import type { HeartbeatOptions } from '../liveness/heartbeat.js';
// request/reply (lib/request)
import type { RepliedRequest, ReplyResult, RequestOptions } from '../request/types.js';
import type { RexsysStore } from '../store/types.js';
import type { RexsysOutbox } from '../store/outbox.js';

export type {
  ConnectionStatus,
  ConnectionState,
  IdleState,
  ConnectingState,
  AuthenticatingState,
  ReadyState,
  ReconnectingState,
  UnauthorizedState,
  ClosedState,
} from './state.js';
export type { ClientEvent, ClientEventType, ConnectionLostReason } from './events.js';
export type { ClientMetrics, HeartbeatSummary, SendCounts } from './metrics.js';

/** How a message is sent: over the socket (`request`), over REST, or whichever is ready. */
export type Via = 'auto' | 'socket' | 'rest';

/** A command name → io-ts codec map; it types `command$` and `send` by name. */
export type CommandCodecs = Readonly<Record<string, t.Mixed>>;

/** Options of `createRexsysClient`. */
export interface RexsysClientOptions<C extends CommandCodecs = CommandCodecs, R extends CommandCodecs = CommandCodecs> {
  /** Origin of the Rexsys server (REST and socket), e.g. `https://rexsys.example.com`. */
  readonly url: string;
  /** The project code. */
  readonly project: string;
  /** A productkey: the client certifies on demand and again when the token nears expiry or is refused. */
  readonly productkey?: string;
  /** Fixed credentials instead of a productkey. A refused login is then final. */
  readonly credentials?: RexsysCredentials;
  /** The namespace family to join: `/io/{project}/{channel}`. @default 'client' */
  readonly channel?: Channel;
  /** The default `via` of `send`. @default 'auto' */
  readonly transport?: Via;
  /**
   * Backoff of reconnects and login retries. The retry count starts again only after a
   * session lived `stablePeriod` ms, so a server that kicks the client right after each
   * login sees the backoff's pace, not a loop. Numbers are checked (`RexsysArgumentError`).
   * @default { initialDelay: 500, maxDelay: 30000, factor: 2, jitter: 0.5, maxRetries: Infinity, stablePeriod: 10000 }
   */
  readonly backoff?: RetryBackoffOptions;
  /** Milliseconds to wait for the server's `login` answer. @default 10000 */
  readonly loginTimeout?: number;
  /** Milliseconds to wait, once connected, for the server's hello before using `socket.id` as sid. @default 1000 */
  readonly helloTimeout?: number;
  /** Milliseconds from opening the socket to joining the namespace (engine.io handshake and namespace CONNECT). @default 10000 */
  readonly connectTimeout?: number;
  /** Milliseconds the socket stays open after the last subscriber leaves. @default 1000 */
  readonly gracePeriod?: number;
  /** socket.io-client options, e.g. `{ transports: ['websocket'] }`. Reconnection and the parser are the client's. @default {} */
  readonly socket?: SocketIoOptions;
  /** The axios instance for REST calls. @default a private `axios.create()` */
  readonly http?: AxiosInstance;
  /** Body format of REST sends. `form`/`text` avoid a CORS preflight. @default 'json' */
  readonly restBody?: BodyFormat;
  /** Command → codec map: types `command$(name)` and `send({ command: name })`. @default {} */
  readonly commands?: C;
  /** Socket sends that may wait for `ready` at once; one more fails with `E_OUTBOX_FULL`. @default 1000 */
  readonly outboxSize?: number;
  /** Milliseconds a send may take in all (waiting, ack, REST answer); `0`: no limit. @default 15000 */
  readonly sendTimeout?: number;
  /** Ask the server to ack each socket send (python-socketio acks every handled event). @default true */
  readonly socketAck?: boolean;
  /** Renew a certified token this many ms before it expires. @default 60000 */
  readonly renewBefore?: number;
  /** Retries of a REST send after a network error or 5xx. @default 3 */
  readonly restRetries?: number;
  /**
   * When a message fails to decode while nothing listens on `errors$`, log one
   * `console.warn` per command (the first failure only), so such failures are not silent.
   * @default true
   */
  readonly warnUnhandledErrors?: boolean;
  /**
   * Prove the logged-in link end to end: after `interval` ms with nothing received (no
   * message, ack or server ping), a self-addressed `request` the server acks; no ack
   * within `timeout` ms ends the session with reason `'heartbeat'` and the client
   * reconnects with backoff. It notices a black-holed link (no TCP reset) in at most
   * `interval + timeout` ms instead of the server's ping timeout (45 s with
   * python-socketio's defaults). Cost: one small `request` and one `touid` per client per
   * `interval` of silence, none while traffic flows. `false` turns it off.
   * @default { interval: 15000, timeout: 5000 }
   */
  readonly heartbeat?: HeartbeatOptions | false;
  /**
   * A log of what the client does (its {@link ClientEvent}s as lines) for debugging in the
   * field: `true` or `'console'` logs `info` and above to the console; `{ level, sink }`
   * picks the level and where lines go. Every token and productkey the process holds is
   * scrubbed from each line before it is made. Off by default.
   * @default undefined (no log)
   */
  readonly logger?: RexsysLoggerOptions | boolean | 'console';
  /** The default `delivery` of every send: `'server'` (the server took it) or `'confirmed'` (the receiving client confirmed it). @default 'server' */
  readonly delivery?: DeliveryMode;
  /** Tuning of confirmed delivery: default `ttl`, retransmission, window, confirmation delay, clock-skew tolerance. */
  readonly confirmation?: ConfirmedDeliveryOptions;
  /** Request/reply: command → io-ts codec of its REPLY (`commands` types the request data). Types and decodes `request`, types and encodes `reply`. @default {} */
  readonly replies?: R;
  /**
   * Where pending confirmed sends, their sequence state and the receiver's de-duplication
   * state live: `fileStore(path)` (rexsys-rx/node), `indexedDbStore(name)`, `memoryStore()`.
   * @default private memory (nothing survives the client)
   */
  readonly store?: RexsysStore;
}

/** Per-send options. */
export interface SendOptions {
  /** Transport. @default the client's `transport` option ('auto') */
  readonly via?: Via;
  /** Milliseconds this send may take in all; with `delivery: 'confirmed'`, each transmission. @default the client's `sendTimeout` */
  readonly timeout?: number;
  /** `'confirmed'`: the receipt comes once the receiving client confirmed it, else `E_UNCONFIRMED` after `ttl`. @default the client's `delivery` ('server') */
  readonly delivery?: DeliveryMode;
  /** Confirmed delivery: ms to wait for the receiver's confirmation (also the message's deadline). @default the client's `confirmation.ttl` (60000) */
  readonly ttl?: number;
}

/** What a successful send emits. */
export interface SendReceipt {
  /** The transport actually used. */
  readonly via: 'socket' | 'rest';
  readonly receiver: string;
  readonly command: string;
  /** When the send was confirmed (ms since the epoch). */
  readonly at: number;
  /** Socket: whether the server acked it (false when `socketAck` is off). */
  readonly acked?: boolean;
  /** REST: the envelope's `result`. */
  readonly result?: unknown;
  /** Confirmed delivery: the message id (the received message carries it too). */
  readonly id?: string;
  /** Confirmed delivery: true, the receiving client confirmed it. */
  readonly delivered?: boolean;
}

/** One receiver's outcome in a fan-out. */
export type FanOutResult =
  | { readonly receiver: string; readonly ok: true; readonly receipt: SendReceipt }
  | { readonly receiver: string; readonly ok: false; readonly error: RexsysError };

/** `unknown` (no constraint) for a command outside the map or a plain `string`; `never` for a mapped one. */
export type UnmappedCommand<C extends CommandCodecs, K extends string> = string extends K ? unknown : K extends keyof C ? never : unknown;

/** The data type a codec map gives a command. */
export type DataOf<C extends CommandCodecs, K> = K extends keyof C ? t.TypeOf<C[K]> : unknown;

/** The reply type the `replies` map gives a command (`unknown` outside the map). */
export type ReplyOf<R extends CommandCodecs, K> = K extends keyof R ? t.TypeOf<R[K]> : unknown;

/** The reactive Rexsys client. See `createRexsysClient`. */
export interface RexsysClient<C extends CommandCodecs = CommandCodecs, R extends CommandCodecs = Record<never, t.Mixed>> {
  /** The current {@link ConnectionState}, replayed to each subscriber; holds the connection open. */
  readonly state$: Observable<ConnectionState>;
  /** Every decoded `touid` message; holds the connection open. */
  readonly messages$: Observable<RexsysMessage>;
  /** Non-fatal errors. Listening does not open the connection. */
  readonly errors$: Observable<RexsysError>;
  /**
   * Everything that happens inside the client, typed ({@link ClientEvent}): connecting,
   * hello, login, disconnects with their reason, retries with their delay, sends queued,
   * emitted, acked or failed, decode failures. Listening does not open the connection.
   */
  readonly events$: Observable<ClientEvent>;
  /** Counters and gauges folded from the events: cheap, synchronous, never opens anything. */
  metrics(): ClientMetrics;
  /** Messages of one command, `data` decoded by the map's codec for that name. */
  command$<K extends keyof C & string>(command: K): Observable<RexsysMessage<t.TypeOf<C[K]>>>;
  /** Messages of one command, `data` decoded by `codec`; failures go to `errors$`. */
  command$<A, O>(command: string, codec: t.Type<A, O, unknown>): Observable<RexsysMessage<A>>;
  /** Messages of one command, `data` as received. */
  command$(command: string): Observable<RexsysMessage>;
  /** Sends one message per subscription (cold); emits one receipt and completes. */
  send<K extends keyof C & string>(
    message: { readonly receiver: string; readonly command: K; readonly data: t.TypeOf<C[K]> },
    options?: SendOptions,
  ): Observable<SendReceipt>;
  /** Sends a command outside the codec map (a mapped command must match its codec). */
  send<K extends string>(
    message: { readonly receiver: string; readonly command: K & UnmappedCommand<C, K>; readonly data: unknown },
    options?: SendOptions,
  ): Observable<SendReceipt>;
  /**
   * Client-side fan-out (the server has no broadcast): one send per receiver, in order
   * of the list, one result each, failures included; completes when all are done.
   */
  fanOut(message: { readonly receivers: readonly string[]; readonly command: string; readonly data: unknown }, options?: SendOptions): Observable<FanOutResult>;
  // ── request/reply (lib/request) ──
  /**
   * Asks `receiver` (cold: each subscription sends one request, with confirmed delivery)
   * and emits the reply's data once, then completes. Errors: `E_REMOTE` (the responder's
   * handler failed), `E_TIMEOUT` (confirmed, no reply within `timeout`), `E_UNCONFIRMED`
   * (the receiver never confirmed the request), `E_DECODE` (the reply fails its codec).
   * Unsubscribing cancels it: a late reply is dropped. Data typed by `commands`, the reply by `replies` (or `codec`).
   */
  request<K extends keyof C & string, A = ReplyOf<R, K>>(
    message: { readonly receiver: string; readonly command: K; readonly data: t.TypeOf<C[K]> },
    options?: RequestOptions<A>,
  ): Observable<A>;
  /** Asks with a command outside the codec map (a mapped command must match its codec). */
  request<K extends string, A = ReplyOf<R, K>>(
    message: { readonly receiver: string; readonly command: K & UnmappedCommand<C, K>; readonly data: unknown },
    options?: RequestOptions<A>,
  ): Observable<A>;
  /**
   * Answers requests for `command` while subscribed (holds the connection): `handler`
   * gets the request (data decoded by `commands`) and returns the reply as a value, a
   * Promise or an Observable (its first value); a throw or rejection reaches the requester
   * as `E_REMOTE` with the error's message only. Emits one {@link RepliedRequest} per answer.
   */
  reply<K extends keyof C & string>(command: K, handler: (message: RexsysMessage<t.TypeOf<C[K]>>) => ReplyResult<ReplyOf<R, K>>): Observable<RepliedRequest>;
  /** Answers a command outside the codec map. */
  reply<K extends string>(command: K & UnmappedCommand<C, K>, handler: (message: RexsysMessage) => ReplyResult<ReplyOf<R, K>>): Observable<RepliedRequest>;
  // ── end of request/reply ──
  /** Confirmed sends not yet settled (restored ones included), their outcomes, cancel, flush. */
  readonly outbox: RexsysOutbox;
  /** Gives up a final state (`unauthorized`, or retries exhausted) and tries again, optionally with new credentials. */
  reconnect(credentials?: RexsysCredentials): void;
  /** The current state, synchronously. */
  readonly state: ConnectionState;
  /** Ends every stream (state$ emits `closed` first), fails pending sends, closes the socket. */
  close(): void;
}
