import type { AxiosInstance } from 'axios';
import { catchError, map, switchMap, throwError, timeout as rxTimeout, type Observable } from 'rxjs';
import { RexsysSendError, RexsysTimeoutError, RexsysTransportError } from '../errors.js';
import type { Channel } from '../protocol/codecs.js';
import { retryBackoff, type RetryBackoffOptions } from '../operators/retry-backoff.js';
import type { BodyFormat } from '../transport/http.js';
import { postSend } from '../transport/rest-send.js';
import type { CredentialSource } from './credentials.js';
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
}

/**
 * One REST send, cold: certifies if needed, POSTs to `/api/ide/io/send`, emits one
 * receipt with the server's `result`. A token refused with 401/403 is certified again
 * once (productkey clients); 5xx, 408, 429 and network errors before the request was
 * sent are retried with backoff up to `restRetries`; a timed-out request, or a
 * connection that failed after it was posted (`E_OUTCOME_UNKNOWN`), is not.
 * `timeout` bounds the whole send.
 */
export function sendOverRest(s: RestSender, receiver: string, command: string, data: unknown, timeout: number): Observable<SendReceipt> {
  const { url, project, channel, credentials: source, http, body, backoff, restRetries } = s;
  const attempt = (mayRecertify: boolean): Observable<unknown> =>
    source.get().pipe(
      switchMap(({ credentials, fresh }) =>
        postSend({ url, project, channel, credentials, receiver, command, data, http, body, timeout }).pipe(
          catchError((e: unknown) => {
            const refusedToken = e instanceof RexsysTransportError && (e.status === 401 || e.status === 403);
            if (refusedToken && mayRecertify && !fresh && source.renewable) {
              source.invalidate();
              return attempt(false);
            }
            if (e instanceof RexsysTransportError && e.code === 'E_NETWORK' && e.mayHaveArrived) {
              // Reset or hung up after the request was written: the server may have routed it.
              // Retrying could deliver it twice, so say the outcome is unknown instead.
              return throwError(
                () =>
                  new RexsysSendError(
                    'E_OUTCOME_UNKNOWN',
                    `The connection failed after "${command}" to "${receiver}" was posted (${e.message}): it may or may not have been delivered.`,
                    { receiver, command, cause: e },
                  ),
              );
            }
            return throwError(() => e);
          }),
        ),
      ),
    );
  const sent$ = attempt(true).pipe(
    retryBackoff({
      ...backoff,
      maxRetries: restRetries,
      // Left here: 5xx/408/429, network errors before the request was sent, and any network
      // error while certifying (idempotent).
      shouldRetry: (e) => e instanceof RexsysTransportError && (e.retryable || e.code === 'E_NETWORK') && (backoff.shouldRetry?.(e) ?? true),
    }),
    map((result): SendReceipt => ({ via: 'rest', receiver, command, at: Date.now(), result })),
  );
  if (timeout <= 0) return sent$;
  return sent$.pipe(
    rxTimeout({
      first: timeout,
      with: () =>
        throwError(
          () =>
            new RexsysTimeoutError(
              `"${command}" to "${receiver}" over REST did not complete within ${timeout} ms; if a request was under way, it may or may not have been delivered.`,
              { timeoutMs: timeout },
            ),
        ),
    }),
  );
}
