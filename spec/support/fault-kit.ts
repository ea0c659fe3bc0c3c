/**
 * Shared pieces of the fault, soak and fuzz suites (spec/fault): scale (CI or soak),
 * a seeded PRNG, forced GC and heap figures, active-timer counts, a one-line summary
 * printer and the client's internal counters.
 *
 * `REXSYS_SOAK=1` turns the same scenarios into long soaks (bigger counts, longer
 * chaos); `REXSYS_SEED=<n>` replays a run (every summary line prints its seed).
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { internals, type ClientInternals } from '../../lib/client/create-client';
import type { RexsysClient } from '../../lib/index';

/** True under `REXSYS_SOAK=1`. */
export const SOAK = /^(1|true|yes)$/i.test(process.env.REXSYS_SOAK ?? '');

/** `ci` normally, `soak` under `REXSYS_SOAK=1`. */
export const scale = <T>(ci: T, soak: T): T => (SOAK ? soak : ci);

/** The base seed of this run: `REXSYS_SEED`, or a fixed default so CI runs replay exactly. */
export const SEED: number = (() => {
  const fromEnv = Number(process.env.REXSYS_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : 20240624;
})();

/** A small seeded PRNG (mulberry32): same seed, same schedule. */
export interface Rng {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T;
}

export function prng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}

let gcFn: (() => void) | undefined;
/** Forces a full garbage collection (exposes `gc` on first use). */
export function forceGc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** Heap used after a few forced collections (weak refs and finalisers get two rounds). */
export async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    forceGc();
    await new Promise((r) => setImmediate(r));
  }
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** Bytes as megabytes with one decimal, for summaries. */
export const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)}MB`;

/** How many live timers (setTimeout/setInterval) the process holds. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Prints one summary line of a scenario: `[fault] name k=v k=v …`. */
export function report(scenario: string, figures: Record<string, unknown>): void {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  console.log(`[fault${SOAK ? ':soak' : ''}] ${scenario} ${text}`);
}

/** The client's internal counters (holders, listeners, outbox). */
export const inner = (c: RexsysClient): ClientInternals => (c as unknown as { [internals]: ClientInternals })[internals];

/** Every counter that must be back to zero once nothing holds the client. */
export const ZERO_INTERNALS: ClientInternals = { holders: 0, socketListeners: 0, socketAcks: 0, dispatcherListeners: 0, outboxQueued: 0, outboxInflight: 0 };

/** Counts how often each key occurs. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string | number): Map<string | number, number> {
  const counts = new Map<string | number, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Keys that occur more than once. */
export function duplicates<T>(items: Iterable<T>, key: (item: T) => string | number): Array<string | number> {
  return [...countBy(items, key)].filter(([, n]) => n > 1).map(([k]) => k);
}

/** True when `xs` is strictly increasing. Returns the first offending index pair otherwise. */
export function firstDisorder(xs: readonly number[]): [number, number] | undefined {
  for (let i = 1; i < xs.length; i++) if (!(xs[i] > xs[i - 1])) return [xs[i - 1], xs[i]];
  return undefined;
}

/** `data` of a delivered message as an object: socket sends carry it as is, REST sends as the posted JSON string. */
export function dataOf<T = Record<string, unknown>>(delivered: { readonly data: unknown }): Partial<T> {
  const { data } = delivered;
  if (typeof data === 'string') {
    try {
      return (JSON.parse(data) ?? {}) as Partial<T>;
    } catch {
      return {};
    }
  }
  return data ?? {};
}
