import { retry, timer, type MonoTypeOperatorFunction } from 'rxjs';
import { backoffDelay, type BackoffDelayOptions } from './backoff-delay.js';

/** Options of {@link retryBackoff}. */
export interface RetryBackoffOptions extends BackoffDelayOptions {
  /** Retries before the error is passed on. @default Infinity */
  readonly maxRetries?: number;
  /** Whether an error is worth retrying; `false` passes it on at once. @default () => true */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Start the count (and so the delays) again after the source emits a value. @default true */
  readonly resetOnSuccess?: boolean;
  /** Called before each wait, with the error, the retry number (1-based) and the delay. @default none */
  readonly onRetry?: (error: unknown, retry: number, delay: number) => void;
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
  const { maxRetries = Infinity, shouldRetry = () => true, resetOnSuccess = true, onRetry } = options;
  return retry<T>({
    count: maxRetries,
    resetOnSuccess,
    delay: (error: unknown, retryCount: number) => {
      if (!shouldRetry(error)) throw error;
      const ms = backoffDelay(retryCount, options);
      onRetry?.(error, retryCount, ms);
      return timer(ms);
    },
  });
}
