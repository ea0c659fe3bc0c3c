import { filter, firstValueFrom, timeout, type Observable, type Subscription } from 'rxjs';
import { createRexsysClient } from '../../lib/client/create-client';
import type { ConnectionState, ConnectionStatus, RexsysClient, RexsysClientOptions } from '../../lib/index';

/** Resolves with the first state of `status` (subscribing to state$ holds the connection while waiting). */
export function untilStatus(client: RexsysClient, status: ConnectionStatus, ms = 8000): Promise<ConnectionState> {
  return firstValueFrom(
    client.state$.pipe(
      filter((s) => s.status === status),
      timeout({
        first: ms,
        with: () => {
          throw new Error(`state ${status} not reached within ${ms} ms (now ${client.state.status})`);
        },
      }),
    ),
  );
}

/** Subscribes and records every value; `sub` to unsubscribe. */
export function record<T>(source: Observable<T>): { values: T[]; errors: unknown[]; completed: boolean; sub: Subscription } {
  const r = { values: [] as T[], errors: [] as unknown[], completed: false, sub: undefined as unknown as Subscription };
  r.sub = source.subscribe({ next: (v) => r.values.push(v), error: (e) => r.errors.push(e), complete: () => (r.completed = true) });
  return r;
}

/** Options every integration suite starts from: small grace period and backoff, websocket only. */
export const TEST_CLIENT_DEFAULTS: Partial<RexsysClientOptions> = {
  project: 'demo',
  gracePeriod: 50,
  backoff: { initialDelay: 50, maxDelay: 400 },
  socket: { transports: ['websocket'] },
};

/**
 * Makes clients for one suite and remembers them: `make(productkey, options?, url?)`
 * (url defaults to `url()`, the suite's server), `closeAll()` closes every one made.
 */
export function clientFactory(url: () => string, defaults: Partial<RexsysClientOptions> = {}) {
  const clients: RexsysClient[] = [];
  const make = (productkey: string | undefined, options: Partial<RexsysClientOptions> = {}, at = url()): RexsysClient => {
    const c = createRexsysClient({ project: 'demo', ...TEST_CLIENT_DEFAULTS, ...defaults, productkey, ...options, url: at });
    clients.push(c);
    return c;
  };
  const closeAll = () => clients.splice(0).forEach((c) => c.close());
  return { make, closeAll };
}
