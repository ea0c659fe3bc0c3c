/**
 * Confirmed delivery (`delivery: 'confirmed'`) beside plain sends of the same two library
 * clients over the socket: CPU per delivered message and wire messages per delivered
 * message (requests the sender made: first sends, retransmits, probes; plus the
 * confirmations the receiver made). In full runs, the same with both links cut every
 * 100–300 ms: what plain sends lose and what confirmed delivery pays to lose nothing. And
 * receiving confirmed messages with a `fileStore` beside the default in-memory store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RexsysClient } from '../lib/index.js';
import { startTcpProxy } from '../lib/emulator/index.js';
import { nodeEntry } from './clients.js';
import { paired, progress, ratioRow, sleep, stat, valueRow, type BenchServer, type Figures, type Section } from './harness.js';
import { libPair, libSend, sendRun, type SendOptions } from './send.js';

/** Requests sent plus confirmations sent by a client's delivery engine (found by its symbol's description, so `--dist` works too). */
function wireCount(client: RexsysClient): number {
  const sym = Object.getOwnPropertySymbols(client).find((s) => s.description === 'rexsys-rx delivery engine');
  const engine = sym && (client as unknown as Record<symbol, { counters: { transmissions: number; confirmationsSent: number } }>)[sym];
  return engine ? engine.counters.transmissions + engine.counters.confirmationsSent : NaN;
}

type Pair = Awaited<ReturnType<typeof libPair>>;

/** One run of `n` sends, confirmed or plain, with the wire messages per delivered message. */
async function run(p: Pair, confirmed: boolean, n: number, o: SendOptions): Promise<Figures> {
  const wire0 = wireCount(p.tx) + wireCount(p.sink);
  const send = libSend(p.tx, { via: 'socket', delivery: confirmed ? 'confirmed' : 'server', ttl: 60_000 });
  const f = await sendRun(send, p.arrivals, n, o);
  const delivered = f.share * n;
  // A plain send is one request: the library never re-emits it.
  return { ...f, wire: (confirmed ? wireCount(p.tx) + wireCount(p.sink) - wire0 : n) / delivered };
}

export async function runDelivery(server: BenchServer, quick: boolean): Promise<Section> {
  const [rounds, seq, pipelined] = quick ? [2, 50, 500] : [5, 200, 3_000];
  const p = await libPair(server.url);
  let pairs;
  try {
    pairs = await paired(
      'delivery',
      rounds,
      [
        { id: 'seq', run: () => run(p, true, seq, {}), base: () => run(p, false, seq, {}) },
        { id: '64', run: () => run(p, true, pipelined, { window: 64 }), base: () => run(p, false, pipelined, { window: 64 }) },
      ],
      { warmups: quick ? 1 : 3 },
    );
  } finally {
    p.close();
  }
  const wire = (id: string) => stat(pairs.get(id)!.lib.map((f) => f.wire));
  const rows = [
    ratioRow('delivery.seq.cpu', 'CPU per delivered message, sequential', 'µs', pairs.get('seq'), 'cpu', { max: 1.5 }),
    ratioRow('delivery.64.cpu', 'CPU per delivered message, 64 in flight', 'µs', pairs.get('64'), 'cpu', { max: 1.5 }),
    valueRow('delivery.seq.wire', 'wire messages per delivered message, sequential', '', wire('seq'), { max: 2.2 }, 1),
    valueRow('delivery.64.wire', 'wire messages per delivered message, 64 in flight', '', wire('64'), { max: 2.2 }, 1),
    ratioRow('delivery.64.rate', 'messages delivered per second, 64 in flight', 'msg/s', pairs.get('64'), 'perSecond'),
  ];
  if (!quick) {
    // Both clients behind proxies, the sender's and the receiver's link cut in turn; one run each.
    const cut: Record<string, Figures> = {};
    for (const confirmed of [false, true]) {
      const proxies = [await startTcpProxy(server.port), await startTcpProxy(server.port)];
      const fast = { confirmation: { retransmitAfter: 300, maxProbeInterval: 1000 }, backoff: { initialDelay: 50, maxDelay: 300 } };
      const cp = await libPair([proxies[0].url, proxies[1].url], { ...fast, sendTimeout: 3000 }, { sendTimeout: 15_000 });
      let cutting = true;
      const chaos = (async () => {
        for (let i = 0; cutting; i++) {
          await sleep(100 + ((i * 73) % 200));
          if (cutting) proxies[i % 2].cut();
        }
      })();
      try {
        cut[String(confirmed)] = await run(cp, confirmed, 1_000, { window: 64, pace: 4, lossy: true });
      } finally {
        cutting = false;
        await chaos;
        cp.close();
        await Promise.all(proxies.map((x) => x.close()));
      }
      progress(`  delivery with cuts, ${confirmed ? 'confirmed' : 'plain'}: ${(cut[String(confirmed)].share * 100).toFixed(1)}% delivered`);
    }
    const [plain, confirmed] = [cut.false, cut.true];
    rows.push(
      valueRow('delivery.cuts.share', 'links cut every 100–300 ms: % delivered', '%', stat([confirmed.share * 100]), undefined, plain.share * 100),
      valueRow('delivery.cuts.wire', 'links cut every 100–300 ms: wire messages per delivered message', '', stat([confirmed.wire]), undefined, plain.wire),
    );
  }
  return {
    id: 'delivery',
    title: 'Confirmed delivery',
    columns: ["`delivery: 'confirmed'`", "plain (`delivery: 'server'`)"],
    rows,
    method: [
      `The same two library clients, via the socket, default options: ${seq.toLocaleString('en-US')} messages one at a time and ${pipelined.toLocaleString('en-US')} with 64 in flight, ${rounds} rounds paired as the sends. CPU is this process's (both ends) per message the receiver got. A plain send is one wire message.`,
      ...(quick
        ? []
        : [
            "With cuts (one run each, 1,000 messages at 250/s, 64 in flight at most): both clients behind TCP proxies cut in turn every 100–300 ms, `retransmitAfter: 300`, `maxProbeInterval: 1000`, the sender's `sendTimeout: 3000`; the figures are shares and counts, not ratios.",
          ]),
    ],
  };
}

export async function runStore(server: BenchServer, quick: boolean): Promise<Section> {
  const [rounds, n] = quick ? [2, 500] : [11, 3_000];
  const dir = mkdtempSync(path.join(tmpdir(), 'rexsys-bench-store-'));
  let files = 0;
  const round = (file: boolean) => async (): Promise<Figures> => {
    const p = await libPair(server.url, {}, file ? { store: nodeEntry().fileStore(path.join(dir, `sink-${files++}.store`)) } : {});
    try {
      return await sendRun(libSend(p.tx, { via: 'socket', delivery: 'confirmed', ttl: 60_000 }), p.arrivals, n, { window: 64 });
    } finally {
      p.close();
    }
  };
  try {
    const pair = (await paired('store', rounds, [{ id: 'file', run: round(true), base: round(false) }], { warmups: quick ? 1 : 3 })).get('file');
    return {
      id: 'store',
      title: 'Receiving with a file store',
      columns: ['receiver with `fileStore(path)`', 'receiver in memory'],
      rows: [
        ratioRow('store.cpu', 'CPU per delivered message', 'µs', pair, 'cpu', { max: 1.1 }),
        ratioRow('store.rate', 'messages delivered per second', 'msg/s', pair, 'perSecond'),
      ],
      method: [
        `${n.toLocaleString('en-US')} confirmed sends, 64 in flight, to a receiver with \`fileStore\` (rexsys-rx/node, a new file each round) or the default in-memory store; new clients each round, ${rounds} rounds paired. CPU is this process's (both ends).`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
