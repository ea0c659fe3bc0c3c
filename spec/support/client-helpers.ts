import { filter, firstValueFrom, timeout, type Observable, type Subscription } from 'rxjs';
import type { ConnectionState, ConnectionStatus, RexsysClient } from '../../lib/index';

/** Resolves with the first state of `status` (subscribing to state$ holds the connection while waiting). */
export function untilStatus(client: RexsysClient, status: ConnectionStatus, ms = 8000): Promise<ConnectionState> {
  return firstValueFrom(
    client.state$.pipe(
      filter((s) => s.status === status),
      timeout({ first: ms, with: () => { throw new Error(`state ${status} not reached within ${ms} ms (now ${client.state.status})`); } }),
    ),
  );
}

/** Subscribes and records every value; `sub` to unsubscribe. */
export function record<T>(source: Observable<T>): { values: T[]; errors: unknown[]; completed: boolean; sub: Subscription } {
  const r = { values: [] as T[], errors: [] as unknown[], completed: false, sub: undefined as unknown as Subscription };
  r.sub = source.subscribe({ next: (v) => r.values.push(v), error: (e) => r.errors.push(e), complete: () => (r.completed = true) });
  return r;
}
