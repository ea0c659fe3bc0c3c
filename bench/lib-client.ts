/**
 * Library clients as the benchmark uses them: websocket transport (as the bare
 * client), a productkey of the bench project, and a `state$` subscription that holds
 * the connection open between cases.
 */
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { Manager, type Socket, type SocketOptions } from 'socket.io-client';
import type { RexsysClient, RexsysClientOptions } from '../lib/index.js';
import { lib } from './lib.js';
import { BENCH_PROJECT, keyOf, type BenchUid } from './protocol.js';
import { withTimeout } from './harness.js';

export function libClient(url: string, uid: BenchUid, extra: Partial<RexsysClientOptions> = {}): RexsysClient {
  return lib.createRexsysClient({
    url,
    project: BENCH_PROJECT,
    productkey: keyOf(uid),
    socket: { transports: ['websocket'] },
    gracePeriod: 0,
    ...extra,
  });
}

/** Resolves when `client.state$` next says `ready`. */
export function nextReady(client: RexsysClient, ms = 10_000): Promise<unknown> {
  return withTimeout(firstValueFrom(client.state$.pipe(filter((s) => s.status === 'ready'))), ms, 'client ready');
}

/** Opens the client, keeps it open (a `state$` subscription) and resolves once ready. */
export async function holdOpen(client: RexsysClient): Promise<Subscription> {
  const hold = client.state$.subscribe();
  await nextReady(client);
  return hold;
}

/**
 * Opens the client (as {@link holdOpen}) and returns the socket.io-client `Socket` it
 * made, found by wrapping `Manager.prototype.socket` for the duration of the open.
 * Only the in-process replay benchmark needs it: the library does not expose its socket.
 */
export async function holdOpenCapturingSocket(client: RexsysClient): Promise<{ hold: Subscription; socket: Socket }> {
  const original = Manager.prototype.socket;
  const made: Socket[] = [];
  Manager.prototype.socket = function (this: Manager, nsp: string, opts?: Partial<SocketOptions>): Socket {
    const socket = original.call(this, nsp, opts);
    made.push(socket);
    return socket;
  };
  try {
    const hold = await holdOpen(client);
    if (made.length !== 1) throw new Error(`expected the client to make one socket, it made ${made.length}`);
    return { hold, socket: made[0] };
  } finally {
    Manager.prototype.socket = original;
  }
}
