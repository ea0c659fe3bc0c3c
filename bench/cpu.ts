/**
 * Section 1: client CPU per received message.
 *
 * The server child floods `touid` messages at one uid; this process only receives, so
 * `process.cpuUsage()` (user + system, all threads) over the run, divided by the
 * number of messages, is the client's cost per message: socket.io-client's work
 * (websocket frame, engine.io and socket.io decoding, JSON.parse) plus whatever the
 * client under test adds. The listener of every case only counts.
 */
import * as t from 'io-ts';
import type { Subscription } from 'rxjs';
import type { Socket } from 'socket.io-client';
import type { RexsysClient, RexsysError } from '../lib/index.js';
import type { BenchConfig } from './config.js';
import { cpuSince, median, min, max, progress, settleHeap, Sink, type BenchServer } from './harness.js';
import { holdOpen, libClient } from './lib-client.js';
import { rawCertify, rawClose, rawLogin, rawSocket } from './raw-client.js';

/** The codec of case (d): the shape every flooded message's `data` has. */
export const SlideCodec = t.type({ url: t.string, n: t.number, on: t.boolean }, 'Slide');

const commandName = (i: number) => `cmd-${i}`;

interface CpuCase {
  readonly id: string;
  readonly label: string;
  /** The uid the flood goes to. */
  readonly uid: 'raw-rx' | 'lib-rx';
  /** Commands of the flooded messages, round-robin. */
  readonly commands: readonly string[];
  /** Subscribes the case's listeners; returns their teardown. */
  setup(sink: Sink): () => void;
}

/** How a flood reaches the client. */
export type CpuMode = 'burst' | 'live';

export interface CpuFigure {
  /** Median CPU µs per message over the repetitions. */
  readonly usPerMessage: number;
  readonly minUs: number;
  readonly maxUs: number;
  /** Every run, µs per message, in run order (the bare client runs once beside each library case). */
  readonly runs: readonly number[];
  /** Per round: this case over the bare client's run next to it, same mode. */
  readonly ratios: readonly number[];
  /** Median of `ratios`. */
  readonly ratio: number;
  /** Median wall-clock messages per second received. */
  readonly messagesPerSecond: number;
}

export interface CpuCaseResult {
  readonly id: string;
  readonly label: string;
  /** command$ streams subscribed (0 for the bare client). */
  readonly streams: number;
  readonly burst: CpuFigure;
  readonly live: CpuFigure;
}

export interface CpuResult {
  readonly messages: number;
  readonly warmup: number;
  readonly reps: number;
  readonly distribution: string;
  readonly cases: readonly CpuCaseResult[];
  readonly decodeErrors: number;
}

export async function runCpu(server: BenchServer, config: BenchConfig): Promise<CpuResult> {
  const { messages, warmup, reps, streams } = config.cpu;
  const sink = new Sink();
  // Both clients connect through the gate, so a flood can be held back and released.
  const url = server.gateUrl;

  // The bare client: one `touid` listener.
  const raw: Socket = rawSocket(url, server.project);
  await rawLogin(raw, await rawCertify(url, server.project, 'KEY-raw-rx'));

  // The library client, held open by a state$ subscription across cases.
  const client: RexsysClient = libClient(url, 'lib-rx');
  const hold = await holdOpen(client);
  let decodeErrors = 0;
  const errorSub = client.errors$.subscribe((e: RexsysError) => {
    decodeErrors++;
    if (decodeErrors === 1) progress(`  unexpected error from the library: ${e.message}`);
  });

  const one = [commandName(0)];
  const subscribeAll = (subs: Subscription[]) => () => subs.forEach((s) => s.unsubscribe());
  const cases: CpuCase[] = [
    {
      id: 'raw',
      label: "(a) bare socket.io-client, socket.on('touid')",
      uid: 'raw-rx',
      commands: one,
      setup: (s) => {
        raw.on('touid', s.hit);
        return () => raw.off('touid', s.hit);
      },
    },
    {
      id: 'messages',
      label: '(b) rexsys-rx messages$',
      uid: 'lib-rx',
      commands: one,
      setup: (s) => subscribeAll([client.messages$.subscribe(s.hit)]),
    },
    ...streams.map((k): CpuCase => ({
      id: `command-${k}`,
      label: `(c) command$ × ${k.toLocaleString('en-US')} stream${k === 1 ? '' : 's'}`,
      uid: 'lib-rx',
      commands: Array.from({ length: k }, (_, i) => commandName(i)),
      setup: (s) => subscribeAll(Array.from({ length: k }, (_, i) => client.command$(commandName(i)).subscribe(s.hit))),
    })),
    {
      id: 'codec',
      label: '(d) command$ with an io-ts codec',
      uid: 'lib-rx',
      commands: one,
      setup: (s) => subscribeAll([client.command$(commandName(0), SlideCodec).subscribe(s.hit)]),
    },
  ];

  /** Floods `n` messages live: they arrive as the server writes them. */
  const live = async (c: CpuCase, n: number, what: string) => {
    const arrived = sink.until(n, 120_000, what);
    await server.flood(c.uid, n, c.commands);
    await arrived;
  };

  /** One measured run: `n` messages under process.cpuUsage(). */
  const measure = async (c: CpuCase, mode: CpuMode, n: number): Promise<{ us: number; ms: number }> => {
    const arrived = sink.until(n, 120_000, `${c.id} ${mode}`);
    if (mode === 'burst') {
      // Queue the whole flood behind the gate, then let it through: every case reads
      // the same large chunks, whatever its own speed.
      await server.hold();
      await server.flood(c.uid, n, c.commands);
    }
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    if (mode === 'burst') await server.release();
    else await server.flood(c.uid, n, c.commands);
    await arrived;
    const us = cpuSince(cpu0);
    const ms = performance.now() - t0;
    return { us: us / n, ms };
  };

  type Series = { us: number[]; rate: number[]; ratio: number[] };
  const runs = new Map<string, Record<CpuMode, Series>>(
    cases.map((c) => [c.id, { burst: { us: [], rate: [], ratio: [] }, live: { us: [], rate: [], ratio: [] } }]),
  );
  /** Sets the case up, warms it up and measures it in both modes; returns µs per message by mode. */
  const runCase = async (c: CpuCase, modes: readonly CpuMode[]): Promise<Record<CpuMode, number>> => {
    const out = { burst: NaN, live: NaN };
    const teardown = c.setup(sink);
    try {
      // A full GC before the warm-up, not between it and the measurement: a forced GC
      // shrinks the young generation, and the run after it would pay for growing it again.
      await settleHeap();
      await live(c, warmup, `${c.id} warm-up`);
      for (const mode of modes) {
        const { us, ms } = await measure(c, mode, messages);
        const entry = runs.get(c.id)![mode];
        entry.us.push(us);
        entry.rate.push((messages / ms) * 1000);
        out[mode] = us;
      }
    } finally {
      teardown();
    }
    return out;
  };
  const [rawCase, ...libCases] = cases;
  try {
    // One unmeasured pass over every case first, so no case pays for JIT compilation
    // of the code paths they share.
    for (const c of cases) {
      const teardown = c.setup(sink);
      try {
        await live(c, warmup, `${c.id} first warm-up`);
      } finally {
        teardown();
      }
    }
    // Each library case is measured next to a run of the bare client (before it in one
    // round, after it in the next), and its ratio is taken against that neighbour: the
    // load of a shared machine drifts less in a second than over a whole round.
    for (let r = 0; r < reps; r++) {
      const order = r % 2 === 0 ? libCases : [...libCases].reverse();
      const modes: CpuMode[] = r % 2 === 0 ? ['burst', 'live'] : ['live', 'burst'];
      for (const c of order) {
        const rawFirst = (r + libCases.indexOf(c)) % 2 === 0;
        const first = await runCase(rawFirst ? rawCase : c, modes);
        const second = await runCase(rawFirst ? c : rawCase, modes);
        const [base, mine] = rawFirst ? [first, second] : [second, first];
        for (const mode of modes) runs.get(c.id)![mode].ratio.push(mine[mode] / base[mode]);
        progress(
          `  cpu round ${r + 1}/${reps}  ${c.id.padEnd(13)} burst ${mine.burst.toFixed(2).padStart(6)} (bare ${base.burst.toFixed(2)})  live ${mine.live.toFixed(2).padStart(6)} (bare ${base.live.toFixed(2)}) µs/msg`,
        );
      }
    }

    const figure = (id: string, mode: CpuMode): CpuFigure => {
      const { us, rate, ratio } = runs.get(id)![mode];
      return {
        usPerMessage: median(us),
        minUs: min(us),
        maxUs: max(us),
        runs: us,
        ratios: id === 'raw' ? us.map(() => 1) : ratio,
        ratio: id === 'raw' ? 1 : median(ratio),
        messagesPerSecond: median(rate),
      };
    };
    return {
      messages,
      warmup,
      reps,
      distribution: 'round-robin over the subscribed commands (with k streams, message i carries command cmd-(i mod k)); (a), (b) and (d) all get cmd-0',
      cases: cases.map((c) => ({
        id: c.id,
        label: c.label,
        streams: c.id.startsWith('command-') ? c.commands.length : c.id === 'raw' ? 0 : 1,
        burst: figure(c.id, 'burst'),
        live: figure(c.id, 'live'),
      })),
      decodeErrors,
    };
  } finally {
    errorSub.unsubscribe();
    hold.unsubscribe();
    client.close();
    rawClose(raw);
  }
}
