/** Small async helpers for integration tests. */

export interface WaitForOptions {
  /** Milliseconds before giving up. @default 5000 */
  readonly timeout?: number;
  /** Milliseconds between checks. @default 20 */
  readonly interval?: number;
  /** What was awaited, for the error message. */
  readonly message?: string;
}

/**
 * Resolves once `predicate` returns (or resolves to) true; rejects after `timeout` ms
 * with an Error naming `message` (and the predicate's last error, if it threw).
 */
export function waitFor(predicate: () => boolean | Promise<boolean>, options: WaitForOptions = {}): Promise<void> {
  const { timeout = 5000, interval = 20, message } = options;
  const started = Date.now();
  return new Promise<void>((resolve, reject) => {
    let lastError: unknown;
    const check = async (): Promise<void> => {
      let ok = false;
      try {
        ok = await predicate();
        lastError = undefined;
      } catch (e) {
        lastError = e;
      }
      if (ok) {
        resolve();
        return;
      }
      if (Date.now() - started >= timeout) {
        const what = message ?? `condition ${predicate.toString().slice(0, 200)}`;
        const why = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
        reject(new Error(`waitFor timed out after ${timeout} ms waiting for ${what}${why}`));
        return;
      }
      setTimeout(() => void check(), interval);
    };
    void check();
  });
}

/** Anything with `on`/`off`: a socket.io-client Socket, an EventEmitter, … */
export interface EmitterLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Resolves with the first argument of the next `event`; rejects after `timeoutMs`.
 * The listener is removed either way.
 */
export function once<T = unknown>(emitter: EmitterLike, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args[0] as T);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`once: no "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
