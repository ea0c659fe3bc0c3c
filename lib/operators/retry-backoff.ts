import { asyncScheduler, defer, merge, retry, take, tap, timer, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { backoffDelay, type BackoffDelayOptions } from './backoff-delay.js';

/** Options of {@link retryBackoff}. */
export interface RetryBackoffOptions extends BackoffDelayOptions {
  /** Retries before the error is passed on. @default Infinity */
  readonly maxRetries?: number;
  /** Whether an error is worth retrying; `false` passes it on at once. @default () => true */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Start the count (and so the delays) again after the source emitted a value and then lived `stablePeriod` ms. @default true */
  readonly resetOnSuccess?: boolean;
  /**
   * Milliseconds the source must live after its first value for the count to start
   * again. A source that emits and fails at once (a connection kicked right after
   * login) then backs off like one that never emits, instead of retrying at the first
   * delay forever. `0`: any value resets the count.
   * @default 0 (the client passes its own: 10000, see `RexsysClientOptions.backoff`)
   */
  readonly stablePeriod?: number;
  /** Called before each wait, with the error, the retry number (1-based) and the delay. @default none */
  readonly onRetry?: (error: unknown, retry: number, delay: number) => void;
  /**
   * A wait in progress ends early when this emits (the count goes on as usual): e.g. the
   * browser came back `online`, so the rest of a long backoff would only be lost time.
   * @default none
   */
  readonly skipDelay?: Observable<unknown>;
}

/**
 * Resubscribes to the source when it errors, after an exponential, capped, jittered
 * delay ({@link backoffDelay}). Built on rxjs' `retry({ delay })`; the retry count
 * lives in each subscription, so one pipeline can serve many subscribers.
 *
 * @example
 * ```ts
 * certify(opts).pipe(
 *   retryBackoff({ initialDelay: 1000, maxRetries: 5, shouldRetry: (e) => !(e instanceof RexsysAuthError) }),
 * );
 * ```
 */
export function retryBackoff<T>(options: RetryBackoffOptions = {}): MonoTypeOperatorFunction<T> {
  const { maxRetries = Infinity, shouldRetry = () => true, resetOnSuccess = true, stablePeriod = 0, onRetry, skipDelay } = options;
  return (source) =>
    defer(() => {
      let retries = 0;
      /** When the current subscription of the source first emitted. */
      let emittedAt: number | undefined;
      return source.pipe(
        tap(() => {
          if (resetOnSuccess) emittedAt ??= asyncScheduler.now();
        }),
        retry({
          delay: (error: unknown) => {
            if (emittedAt !== undefined && asyncScheduler.now() - emittedAt >= stablePeriod) retries = 0;
            emittedAt = undefined;
            if (retries >= maxRetries || !shouldRetry(error)) throw error;
            retries++;
            const ms = backoffDelay(retries, options);
            onRetry?.(error, retries, ms);
            // merge, not race: a skipDelay that completes (EMPTY outside a browser) must not end the retries.
            return skipDelay ? merge(timer(ms), skipDelay).pipe(take(1)) : timer(ms);
          },
        }),
      );
    });
}
