/** The delay maths of {@link retryBackoff}, as a pure function. */
export interface BackoffDelayOptions {
  /** Delay before the first retry, in ms. @default 500 */
  readonly initialDelay?: number;
  /** Cap on any delay, in ms. @default 30000 */
  readonly maxDelay?: number;
  /** Growth per retry. @default 2 */
  readonly factor?: number;
  /**
   * Fraction of the delay that is random, 0 to 1: the delay is drawn from
   * `[d * (1 - jitter), d]`, so many clients restarting together spread out.
   * @default 0.5
   */
  readonly jitter?: number;
  /** Source of randomness in [0, 1), for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * The delay before retry number `retry` (1 for the first retry):
 * `min(maxDelay, initialDelay * factor^(retry - 1))`, then reduced by up to `jitter`
 * of itself. Never negative, never above `maxDelay`.
 *
 * @example
 * ```ts
 * backoffDelay(1, { jitter: 0 }); // 500
 * backoffDelay(4, { jitter: 0 }); // 4000
 * backoffDelay(20, { jitter: 0 }); // 30000 (capped)
 * ```
 */
export function backoffDelay(retry: number, options: BackoffDelayOptions = {}): number {
  const { initialDelay = 500, maxDelay = 30_000, factor = 2, jitter = 0.5, random = Math.random } = options;
  const exponent = Math.max(0, retry - 1);
  const base = Math.min(maxDelay, initialDelay * Math.pow(factor, exponent));
  const j = Math.min(1, Math.max(0, jitter));
  const r = Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.round(base * (1 - j * r)));
}
