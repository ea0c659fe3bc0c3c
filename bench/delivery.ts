/**
 * Section 5: confirmed delivery against plain sends, same run, same pair of library
 * clients (sender `lib-tx`, receiver `lib-sink`) through the emulator child, over the
 * socket: throughput sequential and with 64 in flight, CPU of this process (sender and
 * receiver together) per delivered message, and wire messages per delivered message
 * (sends + retransmits + confirmations). Then the same with both links cut every
 * 100–300 ms through TCP proxies: what plain sends lose, and what confirmed delivery
 * pays to lose nothing.
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import type { RexsysClient } from '../lib/index.js';
import { startTcpProxy, type TcpProxy } from '../lib/emulator/index.js';
import type { BenchConfig } from './config.js';
import { cpuSince, median, percentile, progress, sleep, withTimeout, type BenchServer } from './harness.js';
import { holdOpen, libClient } from './lib-client.js';

export interface DeliveryRow {
  readonly id: string;
  readonly label: string;
  readonly messages: number;
  readonly window: number;
  /** Messages handed to the receiver per second (first send → last arrival). */
  readonly perSecond: number;
  readonly cpuUsPerMessage: number;
  /** (sends + retransmits + confirmations) / delivered. */
  readonly wirePerMessage: number;
  /** Share of the messages the receiver got. */
  readonly deliveredShare: number;
  readonly receiptP50: number;
  readonly receiptP99: number;
}

export interface DeliveryResult {
  readonly reps: number;
  readonly rows: readonly DeliveryRow[];
}

interface EngineCounters {
  readonly transmissions: number;
  readonly confirmationsSent: number;
}

/** The client's delivery engine counters (found by the symbol's description, so `--dist` works too). */
function counters(client: RexsysClient): EngineCounters {
  const sym = Object.getOwnPropertySymbols(client).find((s) => s.description === 'rexsys-rx delivery engine');
  const engine = sym ? (client as unknown as Record<symbol, { counters: EngineCounters }>)[sym] : undefined;
  return { transmissions: engine?.counters.transmissions ?? 0, confirmationsSent: engine?.counters.confirmationsSent ?? 0 };
}

let runCounter = 0;

async function runOnce(
  tx: RexsysClient,
  sink: RexsysClient,
  arrivals: Map<number, Set<number>>,
  mode: 'server' | 'confirmed',
  messages: number,
  window: number,
  settleMs: number,
  paceMs = 0,
): Promise<{ perSecond: number; cpu: number; wire: number; share: number; receipts: number[] }> {
  const run = ++runCounter;
  const got = new Set<number>();
  arrivals.set(run, got);
  const before = { tx: counters(tx), sink: counters(sink) };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let last = t0;
  const receipts: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < messages) {
      const seq = next++;
      // Paced runs send message `seq` no earlier than `seq × paceMs` after the start.
      if (paceMs > 0) await sleep(Math.max(0, t0 + seq * paceMs - performance.now()));
      const s0 = performance.now();
      try {
        await firstValueFrom(tx.send({ receiver: 'lib-sink', command: 'dbench', data: { run, seq } }, { via: 'socket', delivery: mode, ttl: 60_000 }));
        receipts.push(performance.now() - s0);
      } catch {
        /* counted by what arrived */
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, messages) }, worker));
  // Plain sends: arrivals may trail the receipts a little; wait for them (or for settleMs without progress).
  let seen = -1;
  while (got.size < messages && got.size !== seen) {
    seen = got.size;
    await sleep(settleMs);
  }
  last = Math.max(last, lastArrival);
  const cpu = cpuSince(cpu0);
  const after = { tx: counters(tx), sink: counters(sink) };
  const delivered = got.size;
  const wire =
    mode === 'confirmed' ? after.tx.transmissions - before.tx.transmissions + (after.sink.confirmationsSent - before.sink.confirmationsSent) : messages; // one request per send (the library never re-emits a plain socket send)
  arrivals.delete(run);
  return {
    perSecond: (delivered / (last - t0)) * 1000,
    cpu: delivered ? cpu / delivered : 0,
    wire: delivered ? wire / delivered : 0,
    share: delivered / messages,
    receipts,
  };
}

let lastArrival = 0;

export async function runDelivery(server: BenchServer, config: BenchConfig): Promise<DeliveryResult> {
  const c = config.delivery;
  const subs: Subscription[] = [];
  const clients: RexsysClient[] = [];
  const proxies: TcpProxy[] = [];
  try {
    const arrivals = new Map<number, Set<number>>();
    const listen = (sink: RexsysClient) =>
      sink.messages$.subscribe((m) => {
        const d = m.data as { run?: number; seq?: number } | null;
        const set = d && typeof d.run === 'number' ? arrivals.get(d.run) : undefined;
        if (set && typeof d!.seq === 'number' && !set.has(d!.seq)) {
          set.add(d!.seq);
          lastArrival = performance.now();
        }
      });
    const fast = { retransmitAfter: 300, maxProbeInterval: 1000 };
    const tx = libClient(server.url, 'lib-tx', { confirmation: fast });
    const sink = libClient(server.url, 'lib-sink', { confirmation: fast });
    clients.push(tx, sink);
    subs.push(await holdOpen(tx), await holdOpen(sink), listen(sink));

    const variants = [
      { id: 'plain-seq', label: "plain (delivery 'server'), sequential", mode: 'server' as const, window: 1, messages: c.sequential },
      { id: 'confirmed-seq', label: "confirmed (delivery 'confirmed'), sequential", mode: 'confirmed' as const, window: 1, messages: c.sequential },
      { id: 'plain-64', label: "plain (delivery 'server'), 64 in flight", mode: 'server' as const, window: 64, messages: c.pipelined },
      { id: 'confirmed-64', label: "confirmed (delivery 'confirmed'), 64 in flight", mode: 'confirmed' as const, window: 64, messages: c.pipelined },
    ];
    for (const v of variants) await runOnce(tx, sink, arrivals, v.mode, c.warmup, v.window, 50); // warm-up
    const results = new Map<string, Array<Awaited<ReturnType<typeof runOnce>>>>();
    for (let r = 0; r < c.reps; r++) {
      for (const v of r % 2 ? [...variants].reverse() : variants) {
        const res = await withTimeout(runOnce(tx, sink, arrivals, v.mode, v.messages, v.window, 50), 120_000, `delivery ${v.id}`);
        results.set(v.id, [...(results.get(v.id) ?? []), res]);
        progress(
          `  delivery round ${r + 1}/${c.reps}  ${v.id.padEnd(14)} ${res.perSecond.toFixed(0).padStart(6)} msg/s  ${res.cpu.toFixed(0).padStart(4)} µs CPU/msg  ${res.wire.toFixed(2)} wire/msg`,
        );
      }
    }

    // Faults: both links through proxies cut every 100–300 ms, 64 in flight.
    const faulted: Array<{ id: string; label: string; mode: 'server' | 'confirmed'; res: Awaited<ReturnType<typeof runOnce>> }> = [];
    for (const mode of ['server', 'confirmed'] as const) {
      const [pt, ps] = [await startTcpProxy(server.port), await startTcpProxy(server.port)];
      proxies.push(pt, ps);
      const ftx = libClient(pt.url, 'lib-tx', { confirmation: fast, backoff: { initialDelay: 50, maxDelay: 300 }, sendTimeout: 3000 });
      const fsink = libClient(ps.url, 'lib-sink', { confirmation: fast, backoff: { initialDelay: 50, maxDelay: 300 } });
      clients.push(ftx, fsink);
      // The fault-free pair must let go of the ids first (one socket per uid is what the bench server expects).
      subs.splice(0).forEach((s) => s.unsubscribe());
      tx.close();
      sink.close();
      subs.push(await holdOpen(ftx), await holdOpen(fsink), listen(fsink));
      let cutting = true;
      let cuts = 0;
      const chaos = (async () => {
        let i = 0;
        while (cutting) {
          await sleep(100 + ((i++ * 73) % 200));
          if (!cutting) break;
          (i % 2 ? pt : ps).cut();
          cuts++;
        }
      })();
      const res = await withTimeout(runOnce(ftx, fsink, arrivals, mode, c.faulted, 64, 1500, 4), 180_000, `delivery faulted ${mode}`);
      cutting = false;
      await chaos;
      progress(`  delivery with cuts      ${mode.padEnd(10)} delivered ${(res.share * 100).toFixed(1)}%  ${res.wire.toFixed(2)} wire/msg  (${cuts} cuts)`);
      faulted.push({ id: `${mode}-cuts`, label: `${mode === 'server' ? 'plain' : 'confirmed'}, 250/s, links cut every 100–300 ms`, mode, res });
      subs.splice(0).forEach((s) => s.unsubscribe());
      ftx.close();
      fsink.close();
    }

    const rows: DeliveryRow[] = variants.map((v) => {
      const rs = results.get(v.id) ?? [];
      return {
        id: v.id,
        label: v.label,
        messages: v.messages,
        window: v.window,
        perSecond: median(rs.map((x) => x.perSecond)),
        cpuUsPerMessage: median(rs.map((x) => x.cpu)),
        wirePerMessage: median(rs.map((x) => x.wire)),
        deliveredShare: median(rs.map((x) => x.share)),
        receiptP50: median(rs.map((x) => percentile(x.receipts, 50))),
        receiptP99: median(rs.map((x) => percentile(x.receipts, 99))),
      };
    });
    for (const f of faulted) {
      rows.push({
        id: f.id,
        label: f.label,
        messages: c.faulted,
        window: 64,
        perSecond: f.res.perSecond,
        cpuUsPerMessage: f.res.cpu,
        wirePerMessage: f.res.wire,
        deliveredShare: f.res.share,
        receiptP50: percentile(f.res.receipts, 50),
        receiptP99: percentile(f.res.receipts, 99),
      });
    }
    return { reps: c.reps, rows };
  } finally {
    for (const s of subs) s.unsubscribe();
    for (const cl of clients) cl.close();
    await Promise.all(proxies.map((p) => p.close()));
  }
}
