import { TestScheduler } from 'rxjs/testing';
import { EMPTY, concat, defer, of, take, throwError } from 'rxjs';
import { backoffDelay } from '../../lib/operators/backoff-delay';
import { retryBackoff } from '../../lib/operators/retry-backoff';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('backoffDelay (pure)', () => {
  it('grows by factor from initialDelay and caps at maxDelay', () => {
    const o = { initialDelay: 100, factor: 2, maxDelay: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(n, o))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('draws jittered delays from [d * (1 - jitter), d]', () => {
    const o = { initialDelay: 1000, factor: 1, maxDelay: 1000, jitter: 0.5 };
    expect(backoffDelay(1, { ...o, random: () => 0 })).toBe(1000);
    expect(backoffDelay(1, { ...o, random: () => 0.999999 })).toBe(500);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, { ...o, jitter: 0.3 });
      expect(d).toBeGreaterThanOrEqual(700);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });

  it('clamps silly options instead of going negative or above the cap', () => {
    expect(backoffDelay(1, { initialDelay: 100, jitter: 5, random: () => 1 })).toBe(0);
    expect(backoffDelay(1, { initialDelay: 100, jitter: -1, random: () => 1 })).toBe(100);
    expect(backoffDelay(0, { initialDelay: 100, jitter: 0 })).toBe(100);
    expect(backoffDelay(1e6, { initialDelay: 100, maxDelay: 5000, jitter: 0 })).toBe(5000);
  });
});

describe('retryBackoff (marbles)', () => {
  it('a skipDelay that completes without emitting (EMPTY) changes nothing', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-#');
      const result = source.pipe(retryBackoff({ initialDelay: 2, factor: 1, jitter: 0, maxRetries: 2, skipDelay: EMPTY }));
      expectObservable(result).toBe('-------#');
    });
  });

  it('skipDelay ends a wait in progress early; the count goes on', () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = cold('-#');
      const wake = hot('------w------');
      const result = source.pipe(retryBackoff({ initialDelay: 10, factor: 2, maxDelay: 100, jitter: 0, maxRetries: 2, skipDelay: wake }));
      // error at 1 → wait 10 (to 11) but the wake-up at 6 retries at once; error at 7 → wait 20 (no wake) → retry at 27; error at 28 passes
      expectObservable(result).toBe('----------------------------#');
      expectSubscriptions(source.subscriptions).toBe(['^!', '------^!', '---------------------------^!']);
    });
  });

  it('with stablePeriod, a value resets the count only when the source then lived that long (issue #12.5)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // emits, then fails 1 frame later (< stablePeriod 5): the delays keep growing (2, 4, 8), then the error
      const kicked = cold('-a#').pipe(retryBackoff({ initialDelay: 2, factor: 2, jitter: 0, maxRetries: 3, stablePeriod: 5 }));
      expectObservable(kicked).toBe('-a---a-----a---------a#');
      // lived 6 frames after its value: the count starts again, every delay is the first one
      const stable = cold('-a-----#').pipe(retryBackoff({ initialDelay: 2, factor: 2, jitter: 0, maxRetries: 3, stablePeriod: 5 }), take(3));
      expectObservable(stable).toBe('-a--------a--------(a|)');
    });
  });

  it('resubscribes after exponential delays', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#');
      const result = source.pipe(retryBackoff({ initialDelay: 2, factor: 2, maxDelay: 100, jitter: 0, maxRetries: 3 }));
      // attempts at 0, 1+2=3, 4+4=8, 9+8=17; the 4th error passes through at 18
      expectObservable(result).toBe('------------------#');
      expectSubscriptions(source.subscriptions).toBe(['^!', '---^!', '--------^!', '-----------------^!']);
    });
  });

  it('caps the delay at maxDelay', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-#');
      const result = source.pipe(retryBackoff({ initialDelay: 3, factor: 10, maxDelay: 5, jitter: 0, maxRetries: 3 }));
      // 0-1, wait 3 -> 4-5, wait 5 -> 10-11, wait 5 -> 16-17 error
      expectObservable(result).toBe('-----------------#');
    });
  });

  it('applies jitter through the random option', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-#');
      const result = source.pipe(retryBackoff({ initialDelay: 10, factor: 1, jitter: 0.5, random: () => 1, maxRetries: 1 }));
      // delay 10 * (1 - 0.5) = 5
      expectObservable(result).toBe('-------#');
    });
  });

  it('passes errors on at once when shouldRetry says no', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-#', { a: 1 }, new Error('fatal'));
      const result = source.pipe(retryBackoff({ initialDelay: 5, shouldRetry: (e) => (e as Error).message !== 'fatal' }));
      expectObservable(result).toBe('a-#', { a: 1 }, new Error('fatal'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('resetOnSuccess starts the delays again after a value', () => {
    scheduler().run(({ expectObservable }) => {
      let n = 0;
      // attempts: error, error, value then error, error (then completes)
      const source = defer(() => {
        n++;
        if (n === 3)
          return concat(
            of('v'),
            throwError(() => new Error('x')),
          );
        if (n === 5) return of('done');
        return throwError(() => new Error('x'));
      });
      const result = source.pipe(retryBackoff({ initialDelay: 1, factor: 2, jitter: 0 }));
      // n1 err@0, wait1 -> n2 err@1, wait2 -> n3 v,err@3, (reset) wait1 -> n4 err@4, wait2 -> n5 done@6
      expectObservable(result).toBe('---v--(d|)', { v: 'v', d: 'done' });
    });
  });

  it('without resetOnSuccess the delays keep growing', () => {
    scheduler().run(({ expectObservable }) => {
      let n = 0;
      const source = defer(() => {
        n++;
        if (n === 3)
          return concat(
            of('v'),
            throwError(() => new Error('x')),
          );
        if (n === 5) return of('done');
        return throwError(() => new Error('x'));
      });
      const result = source.pipe(retryBackoff({ initialDelay: 1, factor: 2, jitter: 0, resetOnSuccess: false }));
      // n3 v@3, wait4 -> n4 err@7, wait8 -> n5 done@15
      expectObservable(result).toBe('---v-----------(d|)', { v: 'v', d: 'done' });
    });
  });

  it('keeps the count per subscription', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-#');
      const result = source.pipe(retryBackoff({ initialDelay: 1, factor: 2, jitter: 0, maxRetries: 1 }));
      expectObservable(result).toBe('---#');
      expectObservable(result, '--^').toBe('-----#');
    });
  });

  it('calls onRetry with the error, retry number and delay', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const calls: Array<[string, number, number]> = [];
      const result = cold('-#', undefined, new Error('boom')).pipe(
        retryBackoff({ initialDelay: 2, jitter: 0, maxRetries: 2, onRetry: (e, n, d) => calls.push([(e as Error).message, n, d]) }),
      );
      expectObservable(result).toBe('---------#', undefined, new Error('boom'));
      flush();
      expect(calls).toEqual([
        ['boom', 1, 2],
        ['boom', 2, 4],
      ]);
    });
  });
});
