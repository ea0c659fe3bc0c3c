/**
 * Receiving: client CPU per message, the library beside a bare socket.io-client whose one
 * `socket.on('touid')` listener only counts, as every case's listener does.
 *
 * - replay (the figure that decides): the packets a server would send are handed to the
 *   connected socket's engine in-process (`engine.emit('data', packet)`, what the websocket
 *   transport does per frame), so the run has socket.io's decoding and the client under
 *   test, without network, server or scheduling noise, in blocks alternating with the bare
 *   client; plus a V8 profile of it;
 * - loopback: the emulator child floods the client through the gate, held back and then
 *   released in one burst, so every client reads the same large chunks whatever its speed.
 */
import * as t from 'io-ts';
import type { Subscription } from 'rxjs';
import type { Socket } from 'socket.io-client';
import { holdOpenCapturingSocket, libClient, rawClose, rawReceiver } from './clients.js';
import {
  clearYoungGeneration,
  cpuSince,
  paired,
  progress,
  ratioRow,
  Sink,
  stat,
  tick,
  type BenchServer,
  type Case,
  type Figures,
  type Pair,
  type Section,
} from './harness.js';
import { profile, profileTable } from './profile.js';

const Slide = t.type({ url: t.string, n: t.number, on: t.boolean }, 'Slide');
const ONE = ['cmd-0'];
const THOUSAND = Array.from({ length: 1000 }, (_, i) => `cmd-${i}`);

/** A case: its commands (round-robin over the messages) and the listeners it subscribes, returning their teardown. */
interface Listen {
  readonly commands: readonly string[];
  readonly lib: boolean;
  readonly setup: (hit: () => void) => () => void;
}

const LABELS: Record<string, string> = {
  messages: '`messages$`',
  'command-1': "`command$('cmd-0')`",
  'command-1000': '`command$` × 1,000 streams, messages spread over all',
  codec: '`command$` with an io-ts codec (validation the bare client does not do)',
  'raw-map-1000': 'for comparison: the bare client routing to a `Map` of 1,000 handlers, spread',
};

/** The bare client's cases and the library's, for the two sockets given. */
function listeners(raw: Socket, client: ReturnType<typeof libClient>): Record<string, Listen> {
  const all = (subs: Subscription[]) => () => subs.forEach((s) => s.unsubscribe());
  const on = (listener: (m: { command: string }) => void) => {
    raw.on('touid', listener);
    return () => void raw.off('touid', listener);
  };
  return {
    raw: { commands: ONE, lib: false, setup: (hit) => on(hit) },
    'raw-map-1000': {
      commands: THOUSAND,
      lib: false,
      setup: (hit) => {
        const byCommand = new Map(THOUSAND.map((c) => [c, () => hit()]));
        return on((m) => byCommand.get(m.command)?.());
      },
    },
    messages: { commands: ONE, lib: true, setup: (hit) => all([client.messages$.subscribe(hit)]) },
    'command-1': { commands: ONE, lib: true, setup: (hit) => all([client.command$('cmd-0').subscribe(hit)]) },
    'command-1000': { commands: THOUSAND, lib: true, setup: (hit) => all(THOUSAND.map((c) => client.command$(c).subscribe(hit))) },
    codec: { commands: ONE, lib: true, setup: (hit) => all([client.command$('cmd-0', Slide).subscribe(hit)]) },
  };
}

/** A bare receiver `raw-rx` and a library receiver `lib-rx` (and the socket it made) on `url`, closed after `use`. */
async function receivers<T>(url: string, use: (raw: Socket, socket: Socket, cases: Record<string, Listen>) => Promise<T>): Promise<T> {
  const raw = await rawReceiver(url, 'raw-rx');
  const client = libClient(url, 'lib-rx');
  try {
    const { hold, socket } = await holdOpenCapturingSocket(client);
    return await use(raw, socket, listeners(raw, client)).finally(() => hold.unsubscribe());
  } finally {
    client.close();
    rawClose(raw);
  }
}

export async function runReplay(server: BenchServer, quick: boolean, withProfile: boolean): Promise<Section> {
  const [messages, warmup] = quick ? [3_000, 1_000] : [20_000, 5_000];
  const [block, blocks, warm] = quick ? [1_000, 10, 2] : [2_000, 100, 10];
  const sink = new Sink();
  return receivers(server.url, async (raw, socket, cases) => {
    // The EVENT packets the emulator's inject() writes, 1,000 per case, replayed in a loop.
    const packetsOf = new Map(
      Object.entries(cases).map(([id, { commands }]) => [
        id,
        THOUSAND.map(
          (_, i) =>
            `2/io/bench/client,${JSON.stringify(['touid', { command: commands[i % commands.length], data: { url: '/slides/intro', n: i, on: true } }])}`,
        ),
      ]),
    );
    const replay = async (id: string, n: number) => {
      const engine = (cases[id].lib ? socket : raw).io.engine as unknown as { emit(event: 'data', packet: string): void };
      const packets = packetsOf.get(id)!;
      const arrived = sink.until(n, `replay ${id}`);
      // 500 per macrotask: socket.io-client hands each packet on in a nextTick.
      for (let sent = 0; sent < n; await tick())
        for (const end = Math.min(n, sent + 500); sent < end; sent++) engine.emit('data', packets[sent % packets.length]);
      await arrived;
    };
    /**
     * A case against the bare client in alternating blocks of `block` messages (which goes
     * first alternates too), both subscribed throughout, each on its own socket (a bare case,
     * sharing the bare socket, subscribes for its blocks only): a drift of the machine's
     * load falls on both within a second. The first `warm` blocks are not measured. (Whole
     * runs of 20,000 messages, alternated, moved by ±15 % between benchmark runs of the
     * same build; these blocks agree within a few per cent.)
     */
    const interleaved = async (id: string): Promise<Pair> => {
      const pair = { lib: [] as Figures[], base: [] as Figures[] };
      const shared = !cases[id].lib;
      const timed = async (which: string): Promise<Figures> => {
        const teardown = shared ? cases[which].setup(sink.hit) : undefined;
        try {
          const cpu0 = process.cpuUsage();
          await replay(which, block);
          return { cpu: cpuSince(cpu0) / block };
        } finally {
          teardown?.();
        }
      };
      const teardowns = shared ? [] : [cases[id].setup(sink.hit), cases.raw.setup(sink.hit)];
      try {
        for (let b = -warm; b < blocks; b++) {
          const first = b % 2 === 0 ? await timed('raw') : undefined;
          const lib = await timed(id);
          const base = first ?? (await timed('raw'));
          if (b < 0) continue;
          pair.lib.push(lib);
          pair.base.push(base);
        }
      } finally {
        teardowns.forEach((teardown) => teardown());
      }
      return pair;
    };
    const ids = ['messages', 'command-1', 'command-1000', 'codec', 'raw-map-1000'];
    const pairs = new Map<string, Pair>();
    for (const id of ids) {
      pairs.set(id, await interleaved(id));
      progress(`  replay ${id}: ${stat(pairs.get(id)!.lib.map((f, i) => f.cpu / pairs.get(id)!.base[i].cpu)).mid.toFixed(3)}`);
    }
    const goals: Record<string, number> = { messages: 1.05, 'command-1': 1.05, 'command-1000': 1.1 };
    const rows = ids.map((id) => ratioRow(`replay.${id}`, LABELS[id], 'µs/msg', pairs.get(id), 'cpu', goals[id] ? { max: goals[id] } : undefined));
    const extra: string[] = [];
    if (withProfile) {
      const profiled = async (id: string) => {
        const teardown = cases[id].setup(sink.hit);
        try {
          await replay(id, warmup);
          await clearYoungGeneration();
          const cpu0 = process.cpuUsage();
          return await profile(
            () => replay(id, messages),
            messages,
            () => cpuSince(cpu0),
          );
        } finally {
          teardown();
        }
      };
      extra.push(...profileTable(await profiled('raw'), await profiled('messages')));
    }
    return {
      id: 'replay',
      title: 'Receiving: what the library adds per message (in-process replay)',
      columns: ['rexsys-rx', 'bare socket.io-client'],
      rows,
      method: [
        `CPU (\`process.cpuUsage()\`) per message while \`touid\` packets (${Buffer.byteLength(packetsOf.get('raw')![0])} B) are handed to the connected socket's engine in-process (\`engine.emit('data', packet)\`, what the websocket transport does per frame): socket.io's decoding, then the client under test; no network, no server.`,
        `Every case alternates with the bare client (one \`socket.on('touid')\` listener) in blocks of ${block.toLocaleString('en-US')} messages, ${blocks} blocks each after ${warm} unmeasured ones; the ratio is taken block by block. With spread messages, message i carries command \`cmd-(i mod 1000)\`.`,
      ],
      extra,
    };
  });
}

export async function runLoopback(server: BenchServer, quick: boolean): Promise<Section> {
  const [messages, rounds, warmup] = quick ? [3_000, 2, 1_000] : [20_000, 4, 2_000];
  const sink = new Sink();
  return receivers(server.gateUrl, async (_raw, _socket, cases) => {
    const flood = async (id: string, n: number, burst: boolean) => {
      const arrived = sink.until(n, `loopback ${id}`);
      if (burst) await server.hold();
      await server.flood(cases[id].lib ? 'lib-rx' : 'raw-rx', n, cases[id].commands);
      const cpu0 = process.cpuUsage();
      if (burst) await server.release();
      await arrived;
      return cpuSince(cpu0) / n;
    };
    const run = (id: string) => async (): Promise<Figures> => {
      const teardown = cases[id].setup(sink.hit);
      try {
        await flood(id, warmup, false);
        return { cpu: await flood(id, messages, true) };
      } finally {
        teardown();
      }
    };
    const ids = ['messages', 'command-1', 'command-1000'];
    const pairs = await paired(
      'loopback',
      rounds,
      ids.map((id): Case => ({ id, run: run(id), base: run('raw') })),
      { warmups: quick ? 1 : 3 },
    );
    return {
      id: 'loopback',
      title: 'Receiving over loopback (burst)',
      columns: ['rexsys-rx', 'bare socket.io-client'],
      rows: ids.map((id) => ratioRow(`loopback.${id}`, LABELS[id], 'µs/msg', pairs.get(id), 'cpu')),
      method: [
        `The emulator child queues ${messages.toLocaleString('en-US')} messages behind the gate (a TCP proxy in the child), then releases them; CPU of the receiving process per message, websocket frames and all. ${rounds} rounds, paired as above.`,
        'Not judged: it moves by ±10 % from run to run on a shared machine; it shows that the replay leaves nothing out.',
      ],
    };
  });
}
