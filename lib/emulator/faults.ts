/**
 * Faults queued with the `failNext()` test hook, per REST path.
 */
import { RexsysArgumentError } from '../errors.js';
import type { EmulatorFault } from './types.js';

/** A fault ready to apply to one request. */
export type ActiveFault = { readonly kind: 'hang' } | { readonly kind: 'status'; readonly status: number };

/** Counts down the faults queued for each path. */
export class FaultTable {
  private readonly byPath = new Map<string, { fault: ActiveFault; remaining: number }>();

  /** Queues a fault for the next `times` POSTs to `path` (replacing one already queued there). */
  set(path: string, fault: EmulatorFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RexsysArgumentError(`failNext times must be a positive integer, got ${String(times)}.`);
    const status = fault.status ?? 500;
    if (!fault.hang && (!Number.isInteger(status) || status < 100 || status > 599)) {
      throw new RexsysArgumentError(`failNext status must be an HTTP status (100-599), got ${String(status)}.`);
    }
    this.byPath.set(normalisePath(path), { fault: fault.hang ? { kind: 'hang' } : { kind: 'status', status }, remaining: times });
  }

  /** The fault to apply to this request, if one is queued (consuming one use). */
  take(path: string): ActiveFault | undefined {
    const key = normalisePath(path);
    const entry = this.byPath.get(key);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.byPath.delete(key);
    return entry.fault;
  }
}

/** `/a/b/` and `/a/b?x` both name `/a/b`. */
export function normalisePath(path: string): string {
  const bare = path.split('?')[0];
  const withSlash = bare.startsWith('/') ? bare : `/${bare}`;
  return withSlash.length > 1 ? withSlash.replace(/\/+$/, '') : withSlash;
}
