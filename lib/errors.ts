/**
 * Every error the library reports is a {@link RexsysError}: a class with a stable
 * `name` and a machine-readable `code`, so callers branch on `instanceof` or `code`,
 * never on message text. Messages never contain tokens or productkeys.
 */

/** Every code a {@link RexsysError} can carry. */
export type RexsysErrorCode =
  /** Text that is not valid EncodeData (not base64, bad %-escapes, not JSON). */
  | 'E_ENCODE_DATA'
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
  /** The client was closed. */
  | 'E_CLOSED'
  /** The caller passed options that cannot work. */
  | 'E_INVALID_ARGUMENT';

/** Base class of every error thrown or emitted by rexsys-rx. */
export class RexsysError extends Error {
  override readonly name: string = 'RexsysError';
  readonly code: RexsysErrorCode;

  constructor(code: RexsysErrorCode, message: string, options?: { cause?: unknown }) {
    super(message);
    this.code = code;
    if (options && 'cause' in options) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true, configurable: true });
    }
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Text that is not valid EncodeData. `input` holds at most the first 200 characters. */
export class RexsysEncodingError extends RexsysError {
  override readonly name = 'RexsysEncodingError';
  declare readonly code: 'E_ENCODE_DATA';
  constructor(
    message: string,
    readonly input: string,
    options?: { cause?: unknown },
  ) {
    super('E_ENCODE_DATA', message, options);
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
  constructor(
    message: string,
    readonly issues: readonly DecodeIssue[],
    readonly raw: unknown,
    /** The event or command whose payload failed, when known. */
    readonly source?: string,
  ) {
    super('E_DECODE', message);
  }
}

/**
 * Credentials refused: by the certificate endpoint (`E_CERTIFY_REFUSED`) or at socket
 * login (`E_LOGIN_REFUSED`). `final` says the client gave up and is `unauthorized`.
 */
export class RexsysAuthError extends RexsysError {
  override readonly name = 'RexsysAuthError';
  declare readonly code: 'E_CERTIFY_REFUSED' | 'E_LOGIN_REFUSED';
  constructor(
    code: 'E_CERTIFY_REFUSED' | 'E_LOGIN_REFUSED',
    message: string,
    /** What the server said (its reply with any token removed). */
    readonly reply?: unknown,
    readonly final = false,
  ) {
    super(code, message);
  }
}

/** A network or HTTP failure. `status` is the HTTP status where there was one. */
export class RexsysTransportError extends RexsysError {
  override readonly name = 'RexsysTransportError';
  declare readonly code: 'E_HTTP' | 'E_NETWORK';
  constructor(
    code: 'E_HTTP' | 'E_NETWORK',
    message: string,
    readonly status?: number,
    /** The server's answer body, when it had one (tokens removed). */
    readonly body?: unknown,
    /**
     * For `E_NETWORK`: false when the request cannot have reached the server (connection
     * refused, name or route not found), true when it may have (reset or hung up after
     * it was written, or a browser network error that does not say).
     * @default true
     */
    readonly mayHaveArrived = true,
  ) {
    super(code, message);
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
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super('E_TIMEOUT', message);
  }
}

/**
 * A send that failed for a reason of its own: the outbox was full (`E_OUTBOX_FULL`,
 * never sent), the connection dropped between handing it to the server and the
 * server's ack (`E_OUTCOME_UNKNOWN`: it may or may not have been delivered), or the
 * server answered a REST send with a failure status (`E_SEND_REFUSED`).
 */
export class RexsysSendError extends RexsysError {
  override readonly name = 'RexsysSendError';
  declare readonly code: 'E_OUTBOX_FULL' | 'E_OUTCOME_UNKNOWN' | 'E_SEND_REFUSED';
  constructor(
    code: 'E_OUTBOX_FULL' | 'E_OUTCOME_UNKNOWN' | 'E_SEND_REFUSED',
    message: string,
    readonly receiver: string,
    readonly command: string,
  ) {
    super(code, message);
  }
}

/** The client was closed while this operation was pending, or after. */
export class RexsysClosedError extends RexsysError {
  override readonly name = 'RexsysClosedError';
  declare readonly code: 'E_CLOSED';
  constructor(message = 'The Rexsys client is closed.') {
    super('E_CLOSED', message);
  }
}

/** Options that cannot work, e.g. neither `productkey` nor `credentials`. */
export class RexsysArgumentError extends RexsysError {
  override readonly name = 'RexsysArgumentError';
  declare readonly code: 'E_INVALID_ARGUMENT';
  constructor(message: string) {
    super('E_INVALID_ARGUMENT', message);
  }
}

/**
 * `e` itself when it is a RexsysError, else a RexsysTransportError `E_NETWORK` carrying
 * its message: the streams only ever carry typed errors.
 */
export function asRexsysError(e: unknown): RexsysError {
  return e instanceof RexsysError ? e : new RexsysTransportError('E_NETWORK', `Unexpected failure: ${e instanceof Error ? e.message : String(e)}`);
}

/** True when `e` is a RexsysError (optionally with the given code). */
export function isRexsysError(e: unknown, code?: RexsysErrorCode): e is RexsysError {
  return e instanceof RexsysError && (code === undefined || e.code === code);
}
