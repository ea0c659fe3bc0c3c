/**
 * Section 1b: in-process replay. The same receive path as section 1 from socket.io's
 * packet decoder on (hello parser, socket.io-parser, JSON.parse, the socket's event
 * emitter, then the client under test), but the packets are handed to the connected
 * socket's engine in-process (`engine.emit('data', packet)`, exactly what the
 * websocket transport does for each frame), so no network, server or scheduling noise
 * is in the figure. The difference between a library case and the bare case is what
 * the library adds per message; a CPU profile of both names where it goes.
 */
import type { Subscription } from 'rxjs';
import type { Socket } from 'socket.io-client';
import type { RexsysClient } from '../lib/index.js';
import { lib } from './lib.js';
import type { BenchConfig } from './config.js';
import { SlideCodec } from './cpu.js';
import { cpuSince, median, progress, settleHeap, Sink, tick, type BenchServer } from './harness.js';
import { holdOpenCapturingSocket, libClient } from './lib-client.js';
import { formatSummary, profileWhile, summarise, type ProfileSummary } from './profile.js';
import { rawCertify, rawClose, rawLogin, rawSocket } from './raw-client.js';

export interface ReplayCaseResult {
  readonly id: string;
  readonly label: string;
  /** Median CPU µs per message. */
  readonly usPerMessage: number;
  /** Median over rounds of (this case − the bare run next to it), µs. */
  readonly addedUs: number;
  /** Median over rounds of (this case / the bare run next to it). */
  readonly ratio: number;
  /** Every run, µs per message (the bare client runs once beside each other case). */
  readonly runs: readonly number[];
  /** Per round: this case over the bare run next to it. */
  readonly ratios: readonly number[];
}

export interface ReplayResult {
  readonly messages: number;
  readonly reps: number;
  /** Size of the replayed packet (of cmd-0), bytes. */
  readonly packetBytes: number;
  readonly cases: readonly ReplayCaseResult[];
  readonly profiles?: { readonly raw: ProfileSummary; readonly messages: ProfileSummary };
}

interface ReplayCase {
  readonly id: string;
  readonly label: string;
  readonly socket: Socket;
  readonly commands: readonly string[];
  /** Fraction of the run's messages this case gets (slow contrast cases). @default 1 */
  readonly share?: number;
  setup(sink: Sink): () => void;
}

const BATCH = 500;

/** The EVENT packet the emulator's inject() writes for `{ command, data }` on the bench namespace. */
function packetOf(namespace: string, command: string, n: number): string {
  return `2${namespace},${JSON.stringify(['touid', { command, data: { url: '/slides/intro', n, on: true } }])}`;
}

export async function runReplay(server: BenchServer, config: BenchConfig, options: { profile: boolean }): Promise<ReplayResult> {
  // More, shorter runs than over loopback: on a shared machine the noise comes in
  // bursts, and the median of many pairs sees through them.
  const messages = config.quick ? 10_000 : 20_000;
  const reps = config.quick ? 3 : 10;
  const namespace = `/io/${server.project}/client`;
  const sink = new Sink();

  const raw = rawSocket(server.url, server.project);
  await rawLogin(raw, await rawCertify(server.url, server.project, 'KEY-raw-rx'));
  const client: RexsysClient = libClient(server.url, 'lib-rx');
  const { hold, socket: libSocket } = await holdOpenCapturingSocket(client);

  const subscribeAll = (subs: Subscription[]) => () => subs.forEach((s) => s.unsubscribe());
  const one = ['cmd-0'];
  const thousand = Array.from({ length: 1000 }, (_, i) => `cmd-${i}`);
  const handlers = (s: Sink) => new Map(thousand.map((c) => [c, (_m: unknown) => s.hit()] as const));
  const cases: ReplayCase[] = [
    {
      id: 'raw',
      label: "(a) bare socket.io-client, socket.on('touid')",
      socket: raw,
      commands: one,
      setup: (s) => {
        raw.on('touid', s.hit);
        return () => raw.off('touid', s.hit);
      },
    },
    {
      id: 'raw-map-1000',
      label: '(a′) bare, its own Map of 1,000 command handlers, spread',
      socket: raw,
      commands: thousand,
      setup: (s) => {
        const byCommand = handlers(s);
        const listener = (m: { command: string }) => byCommand.get(m.command)?.(m);
        raw.on('touid', listener);
        return () => raw.off('touid', listener);
      },
    },
    { id: 'messages', label: '(b) rexsys-rx messages$', socket: libSocket, commands: one, setup: (s) => subscribeAll([client.messages$.subscribe(s.hit)]) },
    {
      id: 'command-1',
      label: '(c) command$ × 1 stream',
      socket: libSocket,
      commands: one,
      setup: (s) => subscribeAll([client.command$('cmd-0').subscribe(s.hit)]),
    },
    {
      id: 'command-1000-one',
      label: '(c) command$ × 1,000 streams, all messages to one',
      socket: libSocket,
      commands: one,
      setup: (s) => subscribeAll(thousand.map((c) => client.command$(c).subscribe(s.hit))),
    },
    {
      id: 'command-1000',
      label: '(c) command$ × 1,000 streams, spread',
      socket: libSocket,
      commands: thousand,
      setup: (s) => subscribeAll(thousand.map((c) => client.command$(c).subscribe(s.hit))),
    },
    {
      id: 'codec',
      label: '(d) command$ with an io-ts codec',
      socket: libSocket,
      commands: one,
      setup: (s) => subscribeAll([client.command$('cmd-0', SlideCodec).subscribe(s.hit)]),
    },
    {
      id: 'ofcommand-1000',
      label: '(e) not flat, for contrast: 1,000 × messages$.pipe(ofCommand(…)), spread',
      socket: libSocket,
      commands: thousand,
      share: 0.1,
      setup: (s) => subscribeAll(thousand.map((c) => client.messages$.pipe(lib.ofCommand(c)).subscribe(s.hit))),
    },
  ];
  const packets = new Map(cases.map((c) => [c.id, Array.from({ length: 1000 }, (_, i) => packetOf(namespace, c.commands[i % c.commands.length], i))]));

  /** Hands `n` packets to the socket's engine, `BATCH` per macrotask (socket.io-client delivers each on a nextTick). */
  const replay = async (c: ReplayCase, n: number) => {
    const engine = c.socket.io.engine as unknown as { emit(event: 'data', packet: string): void };
    const list = packets.get(c.id)!;
    const arrived = sink.until(n, 60_000, `replay ${c.id}`);
    for (let sent = 0; sent < n;) {
      const end = Math.min(n, sent + BATCH);
      for (; sent < end; sent++) engine.emit('data', list[sent % list.length]);
      await tick();
    }
    await arrived;
  };

  const runs = new Map<string, number[]>(cases.map((c) => [c.id, []]));
  /** Per round, each case's run minus / over the bare run next to it. */
  const added = new Map<string, number[]>(cases.map((c) => [c.id, []]));
  const ratios = new Map<string, number[]>(cases.map((c) => [c.id, []]));
  /**
   * One measured run; µs per message. A full GC first (so no case pays for collecting
   * what the one before left, e.g. 1,000 torn-down subscriptions), then a warm-up long
   * enough for the young generation to grow back.
   */
  const runOnce = async (c: ReplayCase): Promise<number> => {
    const teardown = c.setup(sink);
    try {
      await settleHeap();
      const n = Math.round(messages * (c.share ?? 1));
      await replay(c, Math.min(5_000, n));
      const cpu0 = process.cpuUsage();
      await replay(c, n);
      const us = cpuSince(cpu0) / n;
      runs.get(c.id)!.push(us);
      return us;
    } finally {
      teardown();
    }
  };
  const [rawCase, ...others] = cases;
  try {
    for (const c of cases) {
      const teardown = c.setup(sink);
      await replay(c, Math.round(10_000 * (c.share ?? 1)));
      teardown();
    }
    // Every case runs next to a run of the bare client (before it in one round, after
    // it in the next) and is compared with that neighbour.
    for (let r = 0; r < reps; r++) {
      const order = r % 2 === 0 ? others : [...others].reverse();
      const line: string[] = [];
      for (const c of order) {
        const rawFirst = (r + others.indexOf(c)) % 2 === 0;
        const first = await runOnce(rawFirst ? rawCase : c);
        const second = await runOnce(rawFirst ? c : rawCase);
        const [base, mine] = rawFirst ? [first, second] : [second, first];
        added.get(c.id)!.push(mine - base);
        ratios.get(c.id)!.push(mine / base);
        line.push(`${c.id} ${mine.toFixed(2)}/${base.toFixed(2)}`);
      }
      if (r % 4 === 3 || r === reps - 1) progress(`  replay round ${r + 1}/${reps}  ${line.join('  ')} (µs/msg, case/bare)`);
    }

    let profiles: ReplayResult['profiles'];
    if (options.profile) {
      const profileOf = async (c: ReplayCase): Promise<ProfileSummary> => {
        const teardown = c.setup(sink);
        try {
          await replay(c, 5_000);
          await settleHeap();
          const cpu0 = process.cpuUsage();
          const profile = await profileWhile(() => replay(c, messages), 50);
          // Shares of the samples, scaled to the CPU the profiled run took.
          return summarise(profile, messages, 15, cpuSince(cpu0) / messages);
        } finally {
          teardown();
        }
      };
      const byId = (id: string) => cases.find((c) => c.id === id)!;
      profiles = { raw: await profileOf(byId('raw')), messages: await profileOf(byId('messages')) };
      progress(formatSummary('  profile of replay, bare', profiles.raw));
      progress(formatSummary('  profile of replay, messages$', profiles.messages));
    }

    return {
      messages,
      reps,
      packetBytes: Buffer.byteLength(packets.get('raw')![0]),
      cases: cases.map((c) => {
        const us = runs.get(c.id)!;
        return {
          id: c.id,
          label: c.label,
          usPerMessage: median(us),
          addedUs: c === rawCase ? 0 : median(added.get(c.id)!),
          ratio: c === rawCase ? 1 : median(ratios.get(c.id)!),
          runs: us,
          ratios: c === rawCase ? us.map(() => 1) : ratios.get(c.id)!,
        };
      }),
      ...(profiles ? { profiles } : {}),
    };
  } finally {
    hold.unsubscribe();
    client.close();
    rawClose(raw);
  }
}
