/**
 * Time to `ready`: a fresh client from its first `state$` subscription (certify over REST
 * when given a productkey, websocket connect, hello, login), beside a bare socket.io-client
 * doing the same by hand; and a reconnect, from `cut()` of a TCP proxy in front of the
 * emulator to `ready` (bare: the `login` answer) again, both waiting the same fixed backoff.
 */
import { filter, firstValueFrom, skipWhile } from 'rxjs';
import { startTcpProxy } from '../lib/emulator/index.js';
import type { RexsysClient } from '../lib/index.js';
import { holdOpen, lib, libClient, nextReady, rawCertify, rawClose, rawLogin, rawSocket, type RawCredentials } from './clients.js';
import { BENCH_PROJECT, paired, ratioRow, withTimeout, type BenchServer, type Section } from './harness.js';

const BACKOFF = 100;

export async function runReady(server: BenchServer, quick: boolean): Promise<Section> {
  const rounds = quick ? 3 : 10;
  const { url } = server;
  const libFresh = (make: () => RexsysClient) => async () => {
    const client = make();
    try {
      const t0 = performance.now();
      await holdOpen(client).then((hold) => hold.unsubscribe());
      return { ms: performance.now() - t0 };
    } finally {
      client.close();
    }
  };
  const rawFresh = (creds?: RawCredentials) => async () => {
    const t0 = performance.now();
    const socket = rawSocket(url);
    await rawLogin(socket, creds ?? (await rawCertify(url, 'ready-raw'))).finally(() => rawClose(socket));
    return { ms: performance.now() - t0 };
  };
  const [libCreds, rawCreds] = [await rawCertify(url, 'ready-lib'), await rawCertify(url, 'ready-raw')];
  const withCreds = () =>
    lib().createRexsysClient({ url, project: BENCH_PROJECT, credentials: libCreds, socket: { transports: ['websocket'] }, gracePeriod: 0 });

  // Reconnects, each client behind its own proxy. stablePeriod 0: a session cut right after login must not grow the backoff run after run.
  const [libProxy, rawProxy] = [await startTcpProxy(server.port), await startTcpProxy(server.port)];
  const client = libClient(libProxy.url, 'ready-lib', { backoff: { initialDelay: BACKOFF, factor: 2, maxDelay: 2_000, jitter: 0, stablePeriod: 0 } });
  const hold = client.state$.subscribe();
  const socket = rawSocket(rawProxy.url, BACKOFF);
  try {
    await nextReady(client);
    await rawLogin(socket, rawCreds);
    const again = (proxy: typeof libProxy, ready: Promise<unknown>) => async () => {
      const t0 = performance.now();
      proxy.cut();
      await ready;
      const ms = performance.now() - t0;
      return { overhead: ms - BACKOFF, ms };
    };
    const libAgain = () =>
      withTimeout(
        firstValueFrom(
          client.state$.pipe(
            skipWhile((s) => s.status === 'ready'),
            filter((s) => s.status === 'ready'),
          ),
        ),
        10_000,
        'reconnect',
      );
    const pairs = await paired(
      'ready',
      rounds,
      [
        { id: 'productkey', run: libFresh(() => libClient(url, 'ready-lib')), base: rawFresh() },
        { id: 'credentials', run: libFresh(withCreds), base: rawFresh(rawCreds) },
        { id: 'reconnect', run: () => again(libProxy, libAgain())(), base: () => again(rawProxy, rawLogin(socket, rawCreds, false))() },
      ],
      { gc: false, warmups: 1 },
    );
    return {
      id: 'ready',
      title: 'Time to ready',
      columns: ['rexsys-rx', 'bare socket.io-client'],
      rows: [
        ratioRow('ready.productkey', 'new client, productkey: certify + connect + hello + login', 'ms', pairs.get('productkey'), 'ms'),
        ratioRow('ready.credentials', 'new client, fixed credentials: connect + hello + login', 'ms', pairs.get('credentials'), 'ms'),
        ratioRow('ready.reconnect', `reconnect: cut → ready, minus the ${BACKOFF} ms backoff both wait`, 'ms', pairs.get('reconnect'), 'overhead'),
      ],
      method: [
        `${rounds} rounds paired as the sends, websocket transport; the library certifies with axios, the bare client with \`fetch\`. Reconnects: library \`backoff: { initialDelay: ${BACKOFF}, jitter: 0, stablePeriod: 0 }\`, bare \`reconnectionDelay: ${BACKOFF}, randomizationFactor: 0\`.`,
      ],
    };
  } finally {
    hold.unsubscribe();
    client.close();
    rawClose(socket);
    await Promise.all([libProxy.close(), rawProxy.close()]);
  }
}
