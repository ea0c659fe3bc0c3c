/**
 * Section 4: time to `ready`.
 *
 * - Fresh client: from the first subscription to `state$` to `ready` (certify over
 *   REST when given a productkey, websocket connect, hello, login), client closed after
 *   each run; beside a bare socket.io-client doing the same by hand.
 * - Reconnect: a TCP proxy (startTcpProxy from rexsys-rx/emulator) sits between client and server; from
 *   `cut()` of every connection to `ready` again. Both clients wait the same fixed
 *   backoff (no jitter) before reconnecting, so the figure is that delay plus the
 *   reconnect itself; "overhead" subtracts the delay.
 */
import { filter, firstValueFrom, skipWhile } from 'rxjs';
import type { RexsysClient } from '../lib/index.js';
import { lib } from './lib.js';
import type { BenchConfig } from './config.js';
import { median, min, max, percentile, progress, sleep, withTimeout, type BenchServer } from './harness.js';
import { libClient, nextReady } from './lib-client.js';
import { BENCH_PROJECT } from './protocol.js';
import { rawCertify, rawClose, rawLogin, rawSocket } from './raw-client.js';
import { startTcpProxy } from '../lib/emulator/network-proxy.js';

export interface ReadyRow {
  readonly id: string;
  readonly label: string;
  readonly runs: readonly number[];
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly p90Ms: number;
  /** For reconnects: the median minus the backoff delay both clients wait. */
  readonly overheadMs?: number;
}

export interface ReadyResult {
  readonly runs: number;
  readonly backoff: { readonly library: string; readonly raw: string; readonly delayMs: number };
  readonly rows: readonly ReadyRow[];
}

const row = (id: string, label: string, runs: number[], backoffMs?: number): ReadyRow => ({
  id,
  label,
  runs,
  medianMs: median(runs),
  minMs: min(runs),
  maxMs: max(runs),
  p90Ms: percentile(runs, 90),
  ...(backoffMs !== undefined ? { overheadMs: median(runs) - backoffMs } : {}),
});

/** Runs `once` `runs + 1` times (the first unmeasured) and returns the durations. */
async function repeat(runs: number, once: () => Promise<number>): Promise<number[]> {
  await once();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    out.push(await once());
    await sleep(20);
  }
  return out;
}

export async function runReady(server: BenchServer, config: BenchConfig): Promise<ReadyResult> {
  const { runs, backoffMs } = config.ready;
  const { url, project } = server;
  const rows: ReadyRow[] = [];
  const log = (r: ReadyRow) => progress(`  ready ${r.id.padEnd(20)} median ${r.medianMs.toFixed(1)} ms (min ${r.minMs.toFixed(1)}, max ${r.maxMs.toFixed(1)})`);

  const libFresh = async (make: () => RexsysClient): Promise<number> => {
    const client = make();
    try {
      const t0 = performance.now();
      const sub = client.state$.subscribe();
      await nextReady(client);
      const ms = performance.now() - t0;
      sub.unsubscribe();
      return ms;
    } finally {
      client.close();
    }
  };

  rows.push(
    row('lib-productkey', 'rexsys-rx, productkey (certify + connect + hello + login)', await repeat(runs, () => libFresh(() => libClient(url, 'ready-lib')))),
  );
  log(rows[rows.length - 1]);

  const creds = await rawCertify(url, project, 'KEY-ready-lib');
  rows.push(
    row(
      'lib-credentials',
      'rexsys-rx, fixed credentials (connect + hello + login)',
      await repeat(runs, () =>
        libFresh(() => lib.createRexsysClient({ url, project: BENCH_PROJECT, credentials: creds, socket: { transports: ['websocket'] }, gracePeriod: 0 })),
      ),
    ),
  );
  log(rows[rows.length - 1]);

  const rawFresh = async (certifyFirst: boolean): Promise<number> => {
    const t0 = performance.now();
    const c = certifyFirst ? await rawCertify(url, project, 'KEY-ready-raw') : rawCreds;
    const socket = rawSocket(url, project);
    try {
      await rawLogin(socket, c);
      return performance.now() - t0;
    } finally {
      rawClose(socket);
    }
  };
  const rawCreds = await rawCertify(url, project, 'KEY-ready-raw');
  rows.push(row('raw-certify', 'bare: fetch certify + socket.io-client connect + hello + login', await repeat(runs, () => rawFresh(true))));
  log(rows[rows.length - 1]);
  rows.push(row('raw-credentials', 'bare: socket.io-client connect + hello + login', await repeat(runs, () => rawFresh(false))));
  log(rows[rows.length - 1]);

  // Reconnects through the proxy.
  const proxy = await startTcpProxy(server.port);
  try {
    // stablePeriod 0: the runs cut a session that lived well under the client's default 10 s, which
    // (by design: a server that kicks right after login must not be hammered) would grow the backoff
    // run after run; this measures the reconnect itself, as socket.io's own reconnection does.
    const client = libClient(proxy.url, 'ready-lib', { backoff: { initialDelay: backoffMs, factor: 2, maxDelay: 2_000, jitter: 0, stablePeriod: 0 } });
    try {
      const hold = client.state$.subscribe();
      await nextReady(client);
      const times = await repeat(runs, async () => {
        const again = withTimeout(
          firstValueFrom(
            client.state$.pipe(
              skipWhile((s) => s.status === 'ready'),
              filter((s) => s.status === 'ready'),
            ),
          ),
          10_000,
          'library reconnect',
        );
        const t0 = performance.now();
        proxy.cut();
        await again;
        return performance.now() - t0;
      });
      hold.unsubscribe();
      rows.push(row('lib-reconnect', 'rexsys-rx: connection cut → ready again', times, backoffMs));
      log(rows[rows.length - 1]);
    } finally {
      client.close();
    }

    const socket = rawSocket(proxy.url, project, { reconnection: { delay: backoffMs, maxDelay: 2_000 } });
    try {
      await rawLogin(socket, rawCreds);
      const times = await repeat(runs, async () => {
        const again = rawLogin(socket, rawCreds, false);
        const t0 = performance.now();
        proxy.cut();
        await again;
        return performance.now() - t0;
      });
      rows.push(row('raw-reconnect', 'bare socket.io-client reconnection: cut → logged in again', times, backoffMs));
      log(rows[rows.length - 1]);
    } finally {
      rawClose(socket);
    }
  } finally {
    await proxy.close();
  }

  return {
    runs,
    backoff: {
      library: `backoff { initialDelay: ${backoffMs}, factor: 2, maxDelay: 2000, jitter: 0, stablePeriod: 0 } (library default: 500 ms, jitter 0.5, stablePeriod 10 s)`,
      raw: `reconnectionDelay ${backoffMs}, reconnectionDelayMax 2000, randomizationFactor 0`,
      delayMs: backoffMs,
    },
    rows,
  };
}
