/**
 * Section 2: end-to-end sends between two clients through the emulator child.
 *
 * A sender sends `{ seq }` messages to a receiver; both live in this process, so one
 * clock times each message from the call that sends it to its receipt (the server's
 * ack, or the REST answer) and to its arrival at the receiver. Sequential runs await
 * each receipt before the next send; pipelined runs keep a window of sends in flight.
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import type { Socket } from 'socket.io-client';
import type { RexsysClient } from '../lib/index.js';
import type { BenchConfig } from './config.js';
import { cpuSince, median, percentile, progress, settleHeap, withTimeout, type BenchServer } from './harness.js';
import { holdOpen, libClient } from './lib-client.js';
import { rawCertify, rawClose, rawLogin, rawRestSend, rawSocket, type RawCredentials } from './raw-client.js';

export interface SendFigures {
  readonly id: string;
  readonly label: string;
  readonly messages: number;
  /** Sends in flight at once (1: sequential). */
  readonly window: number;
  /** Median over repetitions of: messages delivered per second (first send → last arrival). */
  readonly perSecond: number;
  /** CPU of this process (sender and receiver together) per message, µs. */
  readonly cpuUsPerMessage: number;
  /** Send → receipt (ack or REST answer), ms. */
  readonly receiptP50: number;
  readonly receiptP99: number;
  /** Send → arrival at the receiver, ms. */
  readonly deliveryP50: number;
  readonly deliveryP99: number;
}

export interface ThroughputResult {
  readonly reps: number;
  readonly rows: readonly SendFigures[];
}

interface Variant {
  readonly id: string;
  readonly label: string;
  readonly messages: number;
  readonly window: number;
  /** Sends message `seq` of run `run`; resolves on its receipt. */
  readonly send: (run: number, seq: number) => Promise<unknown>;
  /** The arrival times by seq of the receiver of this variant. */
  readonly arrivals: Arrivals;
}

/** Arrival times at a receiver, by seq, for the current run. */
class Arrivals {
  run = -1;
  times: Float64Array = new Float64Array(0);
  count = 0;
  private target = 0;
  private done: (() => void) | undefined;

  reset(run: number, n: number): Promise<void> {
    this.run = run;
    this.times = new Float64Array(n);
    this.count = 0;
    this.target = n;
    return new Promise((resolve) => (this.done = resolve));
  }

  readonly onMessage = (data: unknown): void => {
    const d = data as { run?: number; seq?: number } | null;
    if (!d || d.run !== this.run || typeof d.seq !== 'number' || this.times[d.seq] !== 0) return;
    this.times[d.seq] = performance.now();
    if (++this.count === this.target) this.done?.();
  };
}

/** Runs `n` sends with at most `window` in flight; returns start and receipt times by seq. */
async function drive(n: number, window: number, send: (seq: number) => Promise<unknown>): Promise<{ start: Float64Array; receipt: Float64Array }> {
  const start = new Float64Array(n);
  const receipt = new Float64Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const seq = next++;
      start[seq] = performance.now();
      await send(seq);
      receipt[seq] = performance.now();
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, worker));
  return { start, receipt };
}

let runCounter = 0;

async function runVariant(v: Variant): Promise<{ perSecond: number; cpu: number; receipt: number[]; delivery: number[] }> {
  const run = ++runCounter;
  const arrived = v.arrivals.reset(run, v.messages);
  // A full GC first: no variant pays for collecting what the one before it left (as in the replay).
  await settleHeap();
  const cpu0 = process.cpuUsage();
  const { start, receipt } = await drive(v.messages, v.window, (seq) => v.send(run, seq));
  await withTimeout(arrived, 30_000, `${v.id}: waiting for deliveries (${v.arrivals.count}/${v.messages})`);
  const cpu = cpuSince(cpu0) / v.messages;
  const arrivals = v.arrivals.times;
  const receipts: number[] = [];
  const deliveries: number[] = [];
  let last = 0;
  for (let i = 0; i < v.messages; i++) {
    receipts.push(receipt[i] - start[i]);
    deliveries.push(arrivals[i] - start[i]);
    last = Math.max(last, arrivals[i], receipt[i]);
  }
  return { perSecond: (v.messages / (last - start[0])) * 1000, cpu, receipt: receipts, delivery: deliveries };
}

export async function runThroughput(server: BenchServer, config: BenchConfig): Promise<ThroughputResult> {
  const c = config.throughput;
  const { url, project } = server;
  const subs: Subscription[] = [];
  const clients: RexsysClient[] = [];
  const sockets: Socket[] = [];
  try {
    // Library pair: lib-tx sends to lib-sink.
    const tx = libClient(url, 'lib-tx');
    const sink = libClient(url, 'lib-sink');
    clients.push(tx, sink);
    subs.push(await holdOpen(tx), await holdOpen(sink));
    const libArrivals = new Arrivals();
    subs.push(sink.messages$.subscribe((m) => libArrivals.onMessage(m.data)));

    // Bare pair: raw-tx emits `request` with an ack to raw-sink; REST with fetch.
    const rawTx = rawSocket(url, project);
    const rawSink = rawSocket(url, project);
    sockets.push(rawTx, rawSink);
    const rawTxCreds: RawCredentials = await rawCertify(url, project, 'KEY-raw-tx');
    await rawLogin(rawTx, rawTxCreds);
    await rawLogin(rawSink, await rawCertify(url, project, 'KEY-raw-sink'));
    const rawArrivals = new Arrivals();
    // REST-sent messages carry `data` as the JSON string the sender posted.
    rawSink.on('touid', (m: { data?: unknown }) => rawArrivals.onMessage(typeof m.data === 'string' ? JSON.parse(m.data) : m.data));

    const libSend = (via: 'socket' | 'rest') => (run: number, seq: number) =>
      firstValueFrom(tx.send({ receiver: 'lib-sink', command: 'bench', data: { run, seq } }, { via }));
    const rawEmit = (run: number, seq: number) =>
      new Promise<void>((resolve) =>
        rawTx.emit('request', { channel: 'client', sender: 'raw-tx', receiver: 'raw-sink', command: 'bench', data: { run, seq } }, () => resolve()),
      );
    const rawRest = (run: number, seq: number) => rawRestSend(url, project, rawTxCreds, 'raw-sink', 'bench', { run, seq });

    const pairs: Array<[Variant, Variant]> = [
      [
        {
          id: 'lib-socket-seq',
          label: "rexsys-rx send via 'socket', sequential",
          messages: c.socketSequential,
          window: 1,
          send: libSend('socket'),
          arrivals: libArrivals,
        },
        {
          id: 'raw-socket-seq',
          label: "bare emit('request', …, ack), sequential",
          messages: c.socketSequential,
          window: 1,
          send: rawEmit,
          arrivals: rawArrivals,
        },
      ],
      [
        {
          id: 'lib-socket-pipe',
          label: `rexsys-rx send via 'socket', ${c.socketWindow} in flight`,
          messages: c.socketPipelined,
          window: c.socketWindow,
          send: libSend('socket'),
          arrivals: libArrivals,
        },
        {
          id: 'raw-socket-pipe',
          label: `bare emit('request', …, ack), ${c.socketWindow} in flight`,
          messages: c.socketPipelined,
          window: c.socketWindow,
          send: rawEmit,
          arrivals: rawArrivals,
        },
      ],
      [
        {
          id: 'lib-rest-seq',
          label: "rexsys-rx send via 'rest' (axios), sequential",
          messages: c.restSequential,
          window: 1,
          send: libSend('rest'),
          arrivals: libArrivals,
        },
        {
          id: 'raw-rest-seq',
          label: 'bare fetch POST /api/ide/io/send, sequential',
          messages: c.restSequential,
          window: 1,
          send: rawRest,
          arrivals: rawArrivals,
        },
      ],
      [
        {
          id: 'lib-rest-pipe',
          label: `rexsys-rx send via 'rest' (axios), ${c.restWindow} in flight`,
          messages: c.restPipelined,
          window: c.restWindow,
          send: libSend('rest'),
          arrivals: libArrivals,
        },
        {
          id: 'raw-rest-pipe',
          label: `bare fetch POST, ${c.restWindow} in flight`,
          messages: c.restPipelined,
          window: c.restWindow,
          send: rawRest,
          arrivals: rawArrivals,
        },
      ],
    ];

    // Warm-up, unmeasured: the JIT has much more of the library's send path to compile than of a bare emit.
    for (const pair of pairs) {
      for (const v of pair) await runVariant({ ...v, messages: v.id.includes('rest') ? c.warmupRest : c.warmupSocket });
    }

    const results = new Map<string, Array<{ perSecond: number; cpu: number; receipt: number[]; delivery: number[] }>>();
    for (let r = 0; r < c.reps; r++) {
      for (const pair of pairs) {
        const order = r % 2 === 0 ? pair : [pair[1], pair[0]];
        for (const v of order) {
          const res = await runVariant(v);
          results.set(v.id, [...(results.get(v.id) ?? []), res]);
          progress(
            `  send round ${r + 1}/${c.reps}  ${v.id.padEnd(16)} ${res.perSecond.toFixed(0).padStart(6)} msg/s  ${res.cpu.toFixed(0).padStart(4)} µs CPU/msg  receipt p50 ${percentile(res.receipt, 50).toFixed(2)} ms  delivery p50 ${percentile(res.delivery, 50).toFixed(2)} ms`,
          );
        }
      }
    }
    const rows: SendFigures[] = pairs.flat().map((v) => {
      const rs = results.get(v.id) ?? [];
      return {
        id: v.id,
        label: v.label,
        messages: v.messages,
        window: v.window,
        perSecond: median(rs.map((x) => x.perSecond)),
        cpuUsPerMessage: median(rs.map((x) => x.cpu)),
        receiptP50: median(rs.map((x) => percentile(x.receipt, 50))),
        receiptP99: median(rs.map((x) => percentile(x.receipt, 99))),
        deliveryP50: median(rs.map((x) => percentile(x.delivery, 50))),
        deliveryP99: median(rs.map((x) => percentile(x.delivery, 99))),
      };
    });
    return { reps: c.reps, rows };
  } finally {
    for (const s of subs) s.unsubscribe();
    for (const cl of clients) cl.close();
    for (const s of sockets) rawClose(s);
  }
}
