/**
 * Every error the library reports is a {@link RexsysError}: a class with a stable
 * `name` and a machine-readable `code`, so callers branch on `instanceof` or `code`,
 * never on message text. Messages never contain tokens or productkeys.
 */

/** Every code a {@link RexsysError} can carry. */
export type RexsysErrorCode =
  /** Text that is not valid EncodeData (not base64, bad %-escapes, not JSON). */
  | 'E_ENCODE_DATA'
  /** Data that cannot be serialised for the wire (a BigInt, a cycle, nesting too deep, a codec's `encode` throwing). */
  | 'E_ENCODE'
  /** A payload that does not match its io-ts codec. */
  | 'E_DECODE'
  /** The certificate endpoint refused the project/productkey. */
  | 'E_CERTIFY_REFUSED'
  /** The socket server refused the login (token, uid or sid). */
  | 'E_LOGIN_REFUSED'
  /** The server answered an HTTP error (see `status`). */
  | 'E_HTTP'
  /** The network failed: connection refused, reset, DNS, socket dropped. */
  | 'E_NETWORK'
  /** Something did not answer in time. */
  | 'E_TIMEOUT'
  /** The outbox of pending socket sends is full. */
  | 'E_OUTBOX_FULL'
  /** A socket send was handed to the server but the connection dropped before its ack. */
  | 'E_OUTCOME_UNKNOWN'
  /** The server answered a REST send with a failure status. */
  | 'E_SEND_REFUSED'
  /** A confirmed send whose receiver did not confirm it within its `ttl`. */
  | 'E_UNCONFIRMED'
  /** A confirmed message arrived after its deadline (+ clock-skew tolerance): dropped, not handed to the application. */
  | 'E_EXPIRED'
  /** The responder's handler failed (request/reply). */
  | 'E_REMOTE'
  /** The durable store (issue #15): a damaged or unreadable part (`E_STORE`), or a store another process or tab holds (`E_STORE_LOCKED`). */
  | 'E_STORE'
  | 'E_STORE_LOCKED'
  /** The client was closed. */
  | 'E_CLOSED'
  /** The caller passed options that cannot work. */
  | 'E_INVALID_ARGUMENT'
  /** A certified token arrived already expired or due for renewal: the server's clock and this one disagree (reported once). */
  | 'E_CLOCK_SKEW'
  /** A failure that is none of the above: a bug of ours or a user callback throwing. Never retried. */
  | 'E_INTERNAL';

/** Options every {@link RexsysError} constructor takes: the original failure, if any. */
export interface RexsysErrorOptions {
  /** What was thrown underneath (ES2022 `Error.cause`). */
  readonly cause?: unknown;
}

/** Base class of every error thrown or emitted by rexsys-rx. */
export class RexsysError extends Error {
  override readonly name: string = 'RexsysError';
  readonly code: RexsysErrorCode;

  constructor(code: RexsysErrorCode, message: string, options: RexsysErrorOptions = {}) {
    super(message);
    this.code = code;
    if ('cause' in options) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true, configurable: true });
    }
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Text that is not valid EncodeData. `input` holds at most the first 200 characters. */
export class RexsysEncodingError extends RexsysError {
  override readonly name = 'RexsysEncodingError';
  declare readonly code: 'E_ENCODE_DATA' | 'E_ENCODE';
  /** The offending text (first 200 characters), `''` when encoding. */
  readonly input: string;
  constructor(message: string, options: RexsysErrorOptions & { readonly input?: string; readonly code?: 'E_ENCODE_DATA' | 'E_ENCODE' } = {}) {
    super(options.code ?? 'E_ENCODE_DATA', message, options);
    this.input = options.input ?? '';
  }
}

/** One failed check of an io-ts decode: where, what was expected, what was there. */
export interface DecodeIssue {
  /** Dotted path into the value, `''` for the root. */
  readonly path: string;
  /** The codec name that was expected there. */
  readonly expected: string;
  /** The value found there. */
  readonly actual: unknown;
  /** A codec's own message, when it gave one. */
  readonly message?: string;
}

/** A payload that did not match its codec. `raw` is the payload as received. */
export class RexsysDecodeError extends RexsysError {
  override readonly name = 'RexsysDecodeError';
  declare readonly code: 'E_DECODE';
  readonly issues: readonly DecodeIssue[];
  readonly raw: unknown;
  /** The event or command whose payload failed, when known. */
  readonly source?: string;
  constructor(message: string, options: RexsysErrorOptions & { readonly issues: readonly DecodeIssue[]; readonly raw: unknown; readonly source?: string }) {
    super('E_DECODE', message, options);
    this.issues = options.issues;
    this.raw = options.raw;
    if (options.source !== undefined) this.source = options.source;
  }
}

/**
 * Credentials refused: by the certificate endpoint (`E_CERTIFY_REFUSED`) or at socket
 * login (`E_LOGIN_REFUSED`). `final` says the client gave up and is `unauthorized`.
 */
export class RexsysAuthError extends RexsysError {
  override readonly name = 'RexsysAuthError';
  declare readonly code: 'E_CERTIFY_REFUSED' | 'E_LOGIN_REFUSED';
  /** What the server said (its reply with every secret removed). */
  readonly reply?: unknown;
  /** True when the client gave up: it is `unauthorized` until `reconnect()`. */
  readonly final: boolean;
  constructor(
    code: 'E_CERTIFY_REFUSED' | 'E_LOGIN_REFUSED',
    message: string,
    options: RexsysErrorOptions & { readonly reply?: unknown; readonly final?: boolean } = {},
  ) {
    super(code, message, options);
    if (options.reply !== undefined) this.reply = options.reply;
    this.final = options.final ?? false;
  }
}

/** A network or HTTP failure. `status` is the HTTP status where there was one. */
export class RexsysTransportError extends RexsysError {
  override readonly name = 'RexsysTransportError';
  declare readonly code: 'E_HTTP' | 'E_NETWORK';
  /** The HTTP status, when there was an answer. */
  readonly status?: number;
  /** The server's answer body, when it had one (secrets removed). */
  readonly body?: unknown;
  /**
   * For `E_NETWORK`: false when the request cannot have reached the server (connection
   * refused, name or route not found), true when it may have (reset or hung up after
   * it was written, or a browser network error that does not say).
   * @default true
   */
  readonly mayHaveArrived: boolean;
  /** For a lost socket: socket.io's machine-readable reason (`'transport close'`, `'io server disconnect'`, …) or ours (`'heartbeat'`). */
  readonly reason?: string;
  constructor(
    code: 'E_HTTP' | 'E_NETWORK',
    message: string,
    options: RexsysErrorOptions & { readonly status?: number; readonly body?: unknown; readonly mayHaveArrived?: boolean; readonly reason?: string } = {},
  ) {
    super(code, message, options);
    if (options.status !== undefined) this.status = options.status;
    if (options.body !== undefined) this.body = options.body;
    if (options.reason !== undefined) this.reason = options.reason;
    this.mayHaveArrived = options.mayHaveArrived ?? true;
  }

  /**
   * True for failures worth retrying without risking a duplicate: network errors that
   * happened before the request could reach the server, 5xx, 408 and 429.
   */
  get retryable(): boolean {
    if (this.code === 'E_NETWORK') return !this.mayHaveArrived;
    if (this.status === undefined) return false;
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** Something did not answer within `timeoutMs`. */
export class RexsysTimeoutError extends RexsysError {
  override readonly name = 'RexsysTimeoutError';
  declare readonly code: 'E_TIMEOUT';
  readonly timeoutMs: number;
  constructor(message: string, options: RexsysErrorOptions & { readonly timeoutMs: number }) {
    super('E_TIMEOUT', message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/**
 * A send that failed for a reason of its own: the outbox was full (`E_OUTBOX_FULL`,
 * never sent), the connection dropped between handing it to the server and the
 * server's ack (`E_OUTCOME_UNKNOWN`: it may or may not have been delivered), the
 * server answered a REST send with a failure status (`E_SEND_REFUSED`), a confirmed
 * send was not confirmed by its receiver in time (`E_UNCONFIRMED`), a confirmed message
 * arrived after its deadline and was dropped (`E_EXPIRED`, on the receiver's `errors$`),
 * or a responder's handler failed (`E_REMOTE`).
 */
export class RexsysSendError extends RexsysError {
  override readonly name = 'RexsysSendError';
  declare readonly code: 'E_OUTBOX_FULL' | 'E_OUTCOME_UNKNOWN' | 'E_SEND_REFUSED' | 'E_UNCONFIRMED' | 'E_EXPIRED' | 'E_REMOTE';
  readonly receiver: string;
  readonly command: string;
  constructor(
    code: 'E_OUTBOX_FULL' | 'E_OUTCOME_UNKNOWN' | 'E_SEND_REFUSED' | 'E_UNCONFIRMED' | 'E_EXPIRED' | 'E_REMOTE',
    message: string,
    options: RexsysErrorOptions & { readonly receiver: string; readonly command: string },
  ) {
    super(code, message, options);
    this.receiver = options.receiver;
    this.command = options.command;
  }
}

/** The client was closed while this operation was pending, or after. */
export class RexsysClosedError extends RexsysError {
  override readonly name = 'RexsysClosedError';
  declare readonly code: 'E_CLOSED';
  constructor(message = 'The Rexsys client is closed.', options: RexsysErrorOptions = {}) {
    super('E_CLOSED', message, options);
  }
}

/**
 * The durable store of confirmed delivery: a record that could not be read (damaged or
 * truncated: skipped, the rest loaded), a write that failed (`E_STORE`), or a store that
 * another process or tab holds (`E_STORE_LOCKED`). `path` names the file or database.
 */
export class RexsysStoreError extends RexsysError {
  override readonly name = 'RexsysStoreError';
  declare readonly code: 'E_STORE' | 'E_STORE_LOCKED';
  readonly path: string;
  constructor(code: 'E_STORE' | 'E_STORE_LOCKED', message: string, options: RexsysErrorOptions & { readonly path: string }) {
    super(code, message, options);
    this.path = options.path;
  }
}

/** Options that cannot work, e.g. neither `productkey` nor `credentials`. */
export class RexsysArgumentError extends RexsysError {
  override readonly name = 'RexsysArgumentError';
  declare readonly code: 'E_INVALID_ARGUMENT';
  constructor(message: string, options: RexsysErrorOptions = {}) {
    super('E_INVALID_ARGUMENT', message, options);
  }
}

/**
 * A certified token arrived already expired or due for renewal by this device's clock.
 * Reported once on `errors$`; the client uses the token until the server refuses it and
 * certifies again at most once a minute.
 */
export class RexsysClockSkewError extends RexsysError {
  override readonly name = 'RexsysClockSkewError';
  declare readonly code: 'E_CLOCK_SKEW';
  /** When the token expires (ms since the epoch, by the server's clock). */
  readonly expiresAt: number;
  /** When it arrived (ms since the epoch, by this device's clock). */
  readonly receivedAt: number;
  constructor(message: string, options: RexsysErrorOptions & { readonly expiresAt: number; readonly receivedAt: number }) {
    super('E_CLOCK_SKEW', message, options);
    this.expiresAt = options.expiresAt;
    this.receivedAt = options.receivedAt;
  }
}

/** A failure that is not the network's, the server's or the caller's input: a bug, or a user callback that threw. Never retried. */
export class RexsysInternalError extends RexsysError {
  override readonly name = 'RexsysInternalError';
  declare readonly code: 'E_INTERNAL';
  constructor(message: string, options: RexsysErrorOptions = {}) {
    super('E_INTERNAL', message, options);
  }
}

/**
 * `e` itself when it is a RexsysError, else a {@link RexsysInternalError} (`E_INTERNAL`)
 * carrying its message and, as `cause`, the original: the streams only ever carry typed
 * errors, and an unknown throw is never mistaken for a network failure (so never retried).
 */
export function asRexsysError(e: unknown): RexsysError {
  if (e instanceof RexsysError) return e;
  return new RexsysInternalError(`Unexpected failure: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** True when `e` is a RexsysError (optionally with the given code). */
export function isRexsysError(e: unknown, code?: RexsysErrorCode): e is RexsysError {
  return e instanceof RexsysError && (code === undefined || e.code === code);
}
