import type { AxiosInstance } from 'axios';
import { merge, Observable, take, timer, type Subscriber, type Subscription, type Unsubscribable } from 'rxjs';
import { asRexsysError, RexsysClosedError, RexsysSendError, RexsysTimeoutError, RexsysTransportError, type RexsysError } from '../errors.js';
import type { Channel } from '../protocol/codecs.js';
import { backoffDelay } from '../operators/backoff-delay.js';
import type { RetryBackoffOptions } from '../operators/retry-backoff.js';
import type { BodyFormat } from '../transport/http.js';
import { postSend } from '../transport/rest-send.js';
import type { RexsysCredentials } from '../auth/certify.js';
import type { CredentialSource } from './credentials.js';
import type { ClientEvent } from './events.js';
import type { SendReceipt } from './types.js';

/** What a REST send needs from its client. */
export interface RestSender {
  readonly url: string;
  readonly project: string;
  readonly channel: Channel;
  readonly credentials: CredentialSource;
  readonly http?: AxiosInstance;
  readonly body: BodyFormat;
  readonly backoff: RetryBackoffOptions;
  readonly restRetries: number;
  readonly emit: (event: ClientEvent) => void;
  /** The sends under way, which `close()` fails (see {@link failRestSends}). */
  readonly pending: Set<RestSend>;
  /** True once the client is closed: a send started then fails `E_CLOSED` at once. */
  readonly isClosed: () => boolean;
}

/**
 * One REST send, cold: certifies if needed, POSTs to `/api/ide/io/send`, emits one
 * receipt with the server's `result`. A token refused with 401/403 is certified again
 * once (productkey clients); 5xx, 408, 429 and network errors before the request was
 * sent are retried with backoff up to `restRetries`; a timed-out request, or a
 * connection that failed after it was posted (`E_OUTCOME_UNKNOWN`), is not.
 * `timeout` bounds the whole send. Emits the send's events (`sendAcked` or `sendFailed`)
 * through `s.emit`; `close()` fails it `E_CLOSED` (the request under way is aborted).
 */
export function sendOverRest(s: RestSender, receiver: string, command: string, data: unknown, timeout: number): Observable<SendReceipt> {
  return new Observable<SendReceipt>((subscriber) => startRestSend(s, subscriber, receiver, command, data, timeout));
}

/**
 * {@link sendOverRest} for a subscriber at hand (the client's `send` subscribes its own,
 * without an Observable in between). `report` sees each failure just before the
 * subscriber does. Returns the teardown.
 */
export function startRestSend(
  s: RestSender,
  subscriber: Subscriber<SendReceipt>,
  receiver: string,
  command: string,
  data: unknown,
  timeout: number,
  report?: (error: RexsysError) => void,
): Unsubscribable {
  const send = new RestSend(s, subscriber, receiver, command, data, timeout, report);
  if (s.isClosed()) send.closed();
  else send.attempt(true);
  return send;
}

/** Fails every REST send under way `E_CLOSED` (the client is closing). */
export function failRestSends(pending: Set<RestSend>): void {
  for (const send of [...pending]) send.closed();
}

/**
 * One REST send's state: the certify call or POST under way, the backoff wait, the
 * deadline, as fields of one object rather than an operator chain (`switchMap`,
 * `catchError`, `retry`, `timeout`, `race`, `tap`: a fifth of the library's own cost of a
 * REST send, #18). Attempts run one at a time; a settled send ignores whatever comes late.
 */
export class RestSend implements Unsubscribable {
  private retries = 0;
  private settled = false;
  /** Counts the steps started, so a step started from inside another's start is not overwritten by it. */
  private steps = 0;
  /** The certify call, the POST, or the backoff wait under way (one at a time). */
  private step: Subscription | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly s: RestSender,
    private readonly subscriber: Subscriber<SendReceipt>,
    private readonly receiver: string,
    private readonly command: string,
    private readonly data: unknown,
    timeout: number,
    private readonly report: ((error: RexsysError) => void) | undefined,
  ) {
    s.pending.add(this);
    if (timeout > 0) this.deadline = setTimeout(timedOut, timeout, this, timeout);
  }

  /** Certifies if needed, then posts. `mayRecertify`: a refused token may be certified again (once per attempt). */
  attempt(mayRecertify: boolean): void {
    const cached = this.s.credentials.current();
    if (cached) return this.post(cached, false, mayRecertify);
    this.run(() =>
      this.s.credentials.get().subscribe({
        next: ({ credentials, fresh }) => this.post(credentials, fresh, mayRecertify),
        error: (e: unknown) => this.retryOrFail(e),
      }),
    );
  }

  /**
   * Starts a step and keeps it as the one under way, unless it settled the send or
   * started the next step before returning (an error thrown at once, credentials
   * already at hand): it is over then.
   */
  private run(start: () => Subscription): void {
    const step = ++this.steps;
    const subscription = start();
    if (step === this.steps && !this.settled) this.step = subscription;
  }

  private post(credentials: RexsysCredentials, fresh: boolean, mayRecertify: boolean): void {
    const { s, receiver, command } = this;
    const { url, project, channel, http, body } = s;
    this.run(() =>
      postSend({ url, project, channel, credentials, receiver, command, data: this.data, http, body }).subscribe({
        next: (result) => this.succeed(result),
        // (a refusal, E_SEND_REFUSED, is not retried: it fails below)
        error: (e: unknown) => {
          const refusedToken = e instanceof RexsysTransportError && (e.status === 401 || e.status === 403);
          const source = s.credentials;
          if (refusedToken && mayRecertify && !fresh && source.renewable) {
            source.invalidate();
            return this.attempt(false);
          }
          if (e instanceof RexsysTransportError && e.code === 'E_NETWORK' && e.mayHaveArrived) {
            // Reset or hung up after the request was written: the server may have routed it.
            // Retrying could deliver it twice, so say the outcome is unknown instead.
            return this.fail(
              new RexsysSendError(
                'E_OUTCOME_UNKNOWN',
                `The connection failed after "${command}" to "${receiver}" was posted (${e.message}): it may or may not have been delivered.`,
                { receiver, command, cause: e },
              ),
            );
          }
          this.retryOrFail(e);
        },
      }),
    );
  }

  /**
   * Left to retry: 5xx/408/429, network errors before the request was sent, and any
   * network error while certifying (idempotent), up to `restRetries`, after the
   * client's backoff (its `onRetry` and `skipDelay` included).
   */
  private retryOrFail(e: unknown): void {
    const { backoff, restRetries } = this.s;
    const retryable = e instanceof RexsysTransportError && (e.retryable || e.code === 'E_NETWORK') && (backoff.shouldRetry?.(e) ?? true);
    if (!retryable || this.retries >= restRetries) return this.fail(asRexsysError(e));
    const retry = ++this.retries;
    const ms = backoffDelay(retry, backoff);
    backoff.onRetry?.(e, retry, ms);
    // merge, not race: a skipDelay that completes (EMPTY outside a browser) must not end the wait.
    const wait = backoff.skipDelay ? merge(timer(ms), backoff.skipDelay).pipe(take(1)) : timer(ms);
    this.run(() => wait.subscribe(() => this.attempt(true)));
  }

  private succeed(result: unknown): void {
    if (this.settled) return;
    const { receiver, command } = this;
    this.settle();
    this.s.emit({ type: 'sendAcked', via: 'rest', receiver, command, acked: true });
    this.subscriber.next({ via: 'rest', receiver, command, at: Date.now(), result });
    this.subscriber.complete();
  }

  fail(error: RexsysError): void {
    if (this.settled) return;
    this.settle();
    this.s.emit({ type: 'sendFailed', via: 'rest', receiver: this.receiver, command: this.command, error });
    this.report?.(error);
    this.subscriber.error(error);
  }

  /** The client closed: fails `E_CLOSED`, aborting the request under way. */
  closed(): void {
    this.fail(new RexsysClosedError('The client was closed before the send completed.'));
  }

  timedOut(timeout: number): void {
    this.deadline = undefined;
    const { receiver, command } = this;
    this.fail(
      new RexsysTimeoutError(
        `"${command}" to "${receiver}" over REST did not complete within ${timeout} ms; if a request was under way, it may or may not have been delivered.`,
        { timeoutMs: timeout },
      ),
    );
  }

  /** Stops whatever is under way (aborting a POST) and forgets the send. */
  private settle(): void {
    this.settled = true;
    this.unsubscribe();
  }

  /** The teardown: settled, cancelled, or the subscriber left. */
  unsubscribe(): void {
    this.settled = true;
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.deadline = undefined;
    const step = this.step;
    this.step = undefined;
    step?.unsubscribe();
    this.s.pending.delete(this);
  }
}

function timedOut(send: RestSend, timeout: number): void {
  send.timedOut(timeout);
}
