/**
 * Rendering of the benchmark results: the stdout table, the verdicts against the
 * targets, and docs/benchmarks.md.
 */
import type { CpuResult } from './cpu.js';
import type { HeapResult } from './heap.js';
import type { ProfileSummary } from './profile.js';
import type { ReadyResult } from './ready.js';
import type { ReplayResult } from './replay.js';
import type { ThroughputResult } from './throughput.js';
import type { DeliveryResult } from './delivery.js';
import type { StoreResult } from './store.js';

export interface Environment {
  readonly date: string;
  readonly os: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryGiB: number;
  readonly node: string;
  readonly versions: Readonly<Record<string, string>>;
  /** Which build of the library was measured. */
  readonly library: string;
  /** 1-minute load average at the start and the end of the run. */
  readonly loadBefore: number;
  readonly loadAfter: number;
  readonly mode: 'full' | 'quick';
  readonly durationSeconds: number;
}

export interface BenchResults {
  readonly environment: Environment;
  readonly cpu?: CpuResult;
  readonly replay?: ReplayResult;
  readonly throughput?: ThroughputResult;
  readonly heap?: HeapResult;
  readonly ready?: ReadyResult;
  readonly delivery?: DeliveryResult;
  readonly store?: StoreResult;
  readonly verdicts: readonly Verdict[];
}

export interface Verdict {
  readonly target: string;
  readonly met: boolean | undefined;
  readonly evidence: string;
}

// ---------------------------------------------------------------------------------
// Verdicts.

/** Ratio limit of "within 10%". */
export const CPU_LIMIT = 1.1;
/** command$ × 1,000 over command$ × 1 that still counts as flat. */
export const FLAT_LIMIT = 1.1;
/** Heap growth over the whole heap run (after GC) that still counts as none: 1 MiB (≈10 B per message at 100k). */
export const HEAP_LIMIT = 1024 * 1024;

const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const pct = (ratio: number) => (Number.isFinite(ratio) ? `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(0)}%` : '–');
const signed = (n: number) => `${n >= 0 ? '+' : ''}${f2(n)}`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** The 25th and 75th percentiles, as "a–b" in percent of change. */
function iqr(ratios: readonly number[] | undefined): string {
  if (!ratios || ratios.length < 4) return '';
  const s = [...ratios].sort((x, y) => x - y);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  return ` [IQR ${pct(q(0.25))}…${pct(q(0.75))}]`;
}

/** Median over rounds of a[r] / b[r] (both measured in the same round). */
function quotients(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] {
  return a && b ? a.map((x, i) => x / b[i]).filter((x) => Number.isFinite(x)) : [];
}

function pairedRatio(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  const ratios = quotients(a, b).sort((x, y) => x - y);
  if (ratios.length === 0) return NaN;
  const m = ratios.length >> 1;
  return ratios.length % 2 ? ratios[m] : (ratios[m - 1] + ratios[m]) / 2;
}

export function verdicts(r: Omit<BenchResults, 'verdicts'>): Verdict[] {
  const out: Verdict[] = [];
  const cpu = r.cpu;
  const replay = r.replay;
  if (cpu) {
    const get = (id: string) => cpu.cases.find((c) => c.id === id);
    const rp = (id: string) => replay?.cases.find((c) => c.id === id);
    const rawBurst = get('raw')?.burst.usPerMessage ?? NaN;
    const codec = get('codec');
    // The library's own cost per message, measured without network noise (replay), over
    // the bare client's whole cost per message over loopback; the loopback ratios
    // themselves move by ±10 % between runs on a busy machine.
    const added = ['messages', 'command-1'].map((id) => rp(id)?.addedUs).filter((x): x is number => x !== undefined);
    const estimate = added.length ? 1 + Math.max(...added) / rawBurst : undefined;
    const loopback = Math.max(...['messages', 'command-1'].map((id) => get(id)?.burst.ratio ?? NaN));
    out.push({
      target: 'Library CPU per message within 10% of bare socket.io-client',
      met: (estimate ?? loopback) <= CPU_LIMIT,
      evidence:
        (estimate !== undefined
          ? `the library adds ${added.map(f2).join(' / ')} µs per message (messages$ / command$, in-process replay; ratios ${pct(rp('messages')?.ratio ?? NaN)}${iqr(rp('messages')?.ratios)} / ${pct(rp('command-1')?.ratio ?? NaN)}${iqr(rp('command-1')?.ratios)}) to the bare client's ${f2(rawBurst)} µs over loopback: ${pct(estimate)}; `
          : '') +
        `loopback ratios (burst): messages$ ${pct(get('messages')?.burst.ratio ?? NaN)}${iqr(get('messages')?.burst.ratios)}, command$ ${pct(get('command-1')?.burst.ratio ?? NaN)}${iqr(get('command-1')?.burst.ratios)}` +
        ` (live: ${pct(get('messages')?.live.ratio ?? NaN)}, ${pct(get('command-1')?.live.ratio ?? NaN)})` +
        (codec
          ? `. With an io-ts codec (validation the bare client does not do): ${pct(codec.burst.ratio)} over loopback, +${f2(rp('codec')?.addedUs ?? NaN)} µs in the replay`
          : ''),
    });
    const [r1, rOne, rSpread, rMap, rFilters] = ['command-1', 'command-1000-one', 'command-1000', 'raw-map-1000', 'ofcommand-1000'].map(rp);
    if (r1 && rOne) {
      const dispatch = pairedRatio(rOne.ratios, r1.ratios);
      out.push({
        target: 'Flat dispatch with 1,000 command$ streams',
        met: dispatch <= FLAT_LIMIT,
        evidence:
          `in-process replay, 1,000 streams subscribed and every message to one of them vs one stream: ${pct(dispatch)}${iqr(quotients(rOne.ratios, r1.ratios))}` +
          (rFilters ? `; for contrast, a dispatch that is not flat (1,000 ofCommand filters on messages$): ${pct(rFilters.ratio)} vs the bare client` : ''),
      });
    }
    const one = get('command-1');
    const thousand = get('command-1000');
    if (one && thousand) {
      const flat = pairedRatio(thousand.burst.ratios, one.burst.ratios);
      out.push({
        target: 'Flat with 1,000 command$ streams when messages are spread over all of them',
        met: flat <= FLAT_LIMIT,
        evidence:
          `over loopback (burst): × 1,000 vs × 1 ${pct(flat)}${iqr(quotients(thousand.burst.ratios, one.burst.ratios))} (${f2(thousand.burst.usPerMessage)} vs ${f2(one.burst.usPerMessage)} µs)` +
          (rSpread && r1 ? `; in-process replay ${pct(pairedRatio(rSpread.ratios, r1.ratios))} (${signed(rSpread.addedUs - r1.addedUs)} µs)` : '') +
          (rMap ? `, where a bare client's own Map of 1,000 handlers pays ${pct(rMap.ratio)} (${signed(rMap.addedUs)} µs)` : ''),
      });
    }
  }
  if (r.heap) {
    const lib = r.heap.series.find((s) => s.id === 'lib');
    const raw = r.heap.series.find((s) => s.id === 'raw');
    if (lib) {
      out.push({
        target: `No heap growth (after GC) across ${r.heap.messages.toLocaleString('en-US')} messages`,
        met: lib.growth <= HEAP_LIMIT,
        evidence: `library ${kib(lib.growth)} (${f1(lib.bytesPerMessage)} B/message)${raw ? `, bare client ${kib(raw.growth)}` : ''}; limit ${kib(HEAP_LIMIT)}`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Plain-text tables.

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, alignLeft = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < alignLeft ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function mdTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, alignLeft = 1): string {
  const sep = headers.map((_, i) => (i < alignLeft ? '---' : '---:'));
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), line(sep), ...rows.map(line)].join('\n');
}

type TableFn = (headers: readonly string[], rows: ReadonlyArray<readonly string[]>, alignLeft?: number) => string;

const cpuHeaders = ['case', 'burst µs/msg', 'ratio', 'live µs/msg', 'ratio', 'live msg/s'];
const cpuRows = (cpu: CpuResult) =>
  cpu.cases.map((c) => [
    c.label,
    f2(c.burst.usPerMessage),
    c.id === 'raw' ? '1.00' : f2(c.burst.ratio),
    f2(c.live.usPerMessage),
    c.id === 'raw' ? '1.00' : f2(c.live.ratio),
    f0(c.live.messagesPerSecond),
  ]);

const replayHeaders = ['case (in-process replay)', 'µs/msg', 'ratio', 'added µs'];
const replayRows = (rp: ReplayResult) =>
  rp.cases.map((c) => [
    c.label,
    f2(c.usPerMessage),
    c.id === 'raw' ? '1.00' : f2(c.ratio),
    c.id === 'raw' ? '–' : `${c.addedUs >= 0 ? '+' : ''}${f2(c.addedUs)}`,
  ]);

function sendTable(tp: ThroughputResult, t: TableFn): string {
  return t(
    ['send', 'n', 'msg/s', 'CPU µs/msg', 'receipt p50 ms', 'p99', 'delivery p50 ms', 'p99'],
    tp.rows.map((r) => [
      r.label,
      f0(r.messages),
      f0(r.perSecond),
      f0(r.cpuUsPerMessage),
      f2(r.receiptP50),
      f2(r.receiptP99),
      f2(r.deliveryP50),
      f2(r.deliveryP99),
    ]),
  );
}

function deliveryTable(d: DeliveryResult, t: TableFn): string {
  return t(
    ['send', 'n', 'delivered', 'msg/s', 'CPU µs/delivered', 'wire msgs/delivered', 'receipt p50 ms', 'p99'],
    d.rows.map((r) => [
      r.label,
      f0(r.messages),
      `${(r.deliveredShare * 100).toFixed(1)}%`,
      f0(r.perSecond),
      f0(r.cpuUsPerMessage),
      f2(r.wirePerMessage),
      f2(r.receiptP50),
      f2(r.receiptP99),
    ]),
  );
}

function storeTable(s: StoreResult, t: TableFn): string {
  return t(
    ['receiver', 'n', 'msg/s', 'CPU µs/delivered', 'ratio to memory'],
    [
      [s.memory.label, f0(s.messages), f0(s.memory.perSecond), f0(s.memory.cpuUsPerMessage), '1.00'],
      [s.file.label, f0(s.messages), f0(s.file.perSecond), f0(s.file.cpuUsPerMessage), `${f2(s.ratio)} [${s.ratios.map(f2).join(' ')}]`],
    ],
  );
}

function heapTable(h: HeapResult, t: TableFn): string {
  const at = h.series[0]?.at ?? [];
  return t(
    ['client', ...at.map((n) => `${n === 0 ? 'start' : `${n / 1000}k`} MiB`), 'growth', 'B/msg'],
    h.series.map((s) => [s.label, ...s.heapUsed.map((b) => f2(b / 1048576)), kib(s.growth), f1(s.bytesPerMessage)]),
  );
}

function readyTable(rd: ReadyResult, t: TableFn): string {
  return t(
    ['to ready', 'median ms', 'min', 'p90', 'max', 'minus backoff'],
    rd.rows.map((r) => [r.label, f1(r.medianMs), f1(r.minMs), f1(r.p90Ms), f1(r.maxMs), r.overheadMs !== undefined ? f1(r.overheadMs) : '']),
  );
}

function profileTable(p: ProfileSummary, t: TableFn): string {
  return t(
    ['function (self time)', 'where', 'µs/msg', 'share'],
    p.top.map((f) => [t === mdTable ? `\`${f.name}\`` : f.name, f.where, f2(f.usPerMessage), `${(f.share * 100).toFixed(1)}%`]),
    2,
  );
}

function groupTable(raw: ProfileSummary, lib: ProfileSummary, t: TableFn): string {
  const groups = [...new Set([...lib.groups.map((g) => g.group), ...raw.groups.map((g) => g.group)])];
  const of = (p: ProfileSummary, g: string) => p.groups.find((x) => x.group === g)?.usPerMessage ?? 0;
  return t(
    ['package', 'bare µs/msg', 'messages$ µs/msg'],
    [...groups.map((g) => [g, f2(of(raw, g)), f2(of(lib, g))]), ['total (CPU of the profiled run)', f2(raw.totalUsPerMessage), f2(lib.totalUsPerMessage)]],
  );
}

function verdictLines(vs: readonly Verdict[]): string[] {
  return vs.map((v) => `${v.met === undefined ? 'n/a ' : v.met ? 'MET ' : 'MISS'}  ${v.target}: ${v.evidence}`);
}

export function renderText(r: BenchResults): string {
  const e = r.environment;
  const out: string[] = [
    `rexsys-rx benchmark (${e.mode}) — ${e.date}`,
    `${e.cpuCount} × ${e.cpuModel}, ${e.totalMemoryGiB.toFixed(1)} GiB, ${e.os}, Node ${e.node}; load ${e.loadBefore.toFixed(2)} → ${e.loadAfter.toFixed(2)}; ${e.durationSeconds.toFixed(0)} s`,
    `${Object.entries(e.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; library code: ${e.library}`,
    '',
  ];
  if (r.cpu) {
    out.push(
      `1. Client CPU per received message over loopback (${r.cpu.messages.toLocaleString('en-US')} messages × ${r.cpu.reps} rounds after ${r.cpu.warmup.toLocaleString('en-US')} warm-up; medians; ratio = vs the bare run next to it)`,
      table(cpuHeaders, cpuRows(r.cpu)),
      '',
    );
  }
  if (r.replay) {
    out.push(
      `1b. Same receive path, in-process replay (${r.replay.messages.toLocaleString('en-US')} packets of ${r.replay.packetBytes} B × ${r.replay.reps} rounds; "added" = paired difference to (a))`,
      table(replayHeaders, replayRows(r.replay)),
      '',
    );
  }
  if (r.replay?.profiles) {
    out.push(
      '1c. CPU profile of the replay (self time per message by package; hottest functions of messages$)',
      groupTable(r.replay.profiles.raw, r.replay.profiles.messages, table),
      '',
      profileTable(r.replay.profiles.messages, table),
      '',
    );
  }
  if (r.throughput) out.push(`2. Sends between two clients through the emulator (${r.throughput.reps} rounds, medians)`, sendTable(r.throughput, table), '');
  if (r.heap) out.push(`3. heapUsed after forced GC while receiving (warm-up ${r.heap.warmup.toLocaleString('en-US')})`, heapTable(r.heap, table), '');
  if (r.ready)
    out.push(
      `4. Time to ready (${r.ready.runs} runs; reconnect backoff: library ${r.ready.backoff.library}; bare ${r.ready.backoff.raw})`,
      readyTable(r.ready, table),
      '',
    );
  if (r.delivery)
    out.push(
      `5. Confirmed delivery vs plain sends, socket (${r.delivery.reps} rounds, medians; the rows with cuts: one run)`,
      deliveryTable(r.delivery, table),
      '',
    );
  if (r.store) out.push(`6. Receiving confirmed messages with a file store vs in memory (${r.store.reps} rounds, medians)`, storeTable(r.store, table), '');
  if (r.verdicts.length) out.push('Targets', ...verdictLines(r.verdicts), '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------
// docs/benchmarks.md

export function renderMarkdown(r: BenchResults, notes: string | undefined): string {
  const e = r.environment;
  const md: string[] = [];
  md.push(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/report.ts). The "Analysis" section is kept in bench/analysis.md. -->',
    '',
    `rexsys-rx beside a bare socket.io-client, on one machine over loopback, against the bundled emulator running in a child process. Measured ${e.date} (${e.mode} run, ${e.durationSeconds.toFixed(0)} s).`,
    '',
    '## Targets',
    '',
    mdTable(
      ['target', 'verdict', 'evidence'],
      r.verdicts.map((v) => [v.target, v.met === undefined ? 'n/a' : v.met ? '**met**' : '**missed**', v.evidence]),
      3,
    ),
    '',
    '## Machine',
    '',
    mdTable(
      ['', ''],
      [
        ['CPU', `${e.cpuCount} × ${e.cpuModel}`],
        ['Memory', `${e.totalMemoryGiB.toFixed(1)} GiB`],
        ['OS', e.os],
        ['Node', e.node],
        ...Object.entries(e.versions),
        ['Library code measured', e.library],
        ['Load average (1 min) at start → end', `${e.loadBefore.toFixed(2)} → ${e.loadAfter.toFixed(2)}`],
      ],
      2,
    ),
    '',
    'The machine is shared: other jobs ran at the same time (see the load average), and a single run moves by up to',
    '±20 % when their load changes. Every figure is a median of repeated, alternating runs, and every ratio is paired',
    '(each case against a run of the bare client next to it); even so, expect the loopback ratios to move by ±10 %',
    'from one full run to the next, and the replay figures by a few tenths of a microsecond.',
    '',
  );
  if (r.cpu) {
    md.push(
      '## 1. Client CPU per received message',
      '',
      mdTable(cpuHeaders, cpuRows(r.cpu)),
      '',
      `- ${r.cpu.messages.toLocaleString('en-US')} messages per run after a ${r.cpu.warmup.toLocaleString('en-US')}-message warm-up, ${r.cpu.reps} rounds, case order reversed every other round; medians. CPU is \`process.cpuUsage()\` (user + system, all threads) of the benchmark process, which only receives: the server runs in a child process. Each library case runs next to a run of the bare client (before or after it, alternately); **ratio** is the median over rounds of the case over that neighbouring bare run, so slow drifts of the machine's load cancel out.`,
      `- Message distribution: ${r.cpu.distribution}. Every message is \`{ command, data: { url, n, on } }\` injected with \`emulator.inject()\`.`,
      '- **burst**: the server child queues the whole flood behind a TCP proxy in the child (the gate), then releases it; every case then reads the same large chunks, whatever its own speed. The loopback figures of the targets are these.',
      "- **live**: the flood is written as the server produces it (setImmediate-chunked). The cost per message then depends on how many messages each read brings, which depends on the client's own speed relative to the server: a slower client reads fuller buffers and pays less per message for the socket, so live ratios understate differences, and they are noisier.",
      "- The bare client uses the library's `helloParser` (without it socket.io-client cannot talk to a Rexsys server) and the same websocket transport; its listener only counts, as every case's does.",
      '',
    );
  }
  if (r.replay) {
    md.push(
      '### 1b. The same receive path, replayed in-process',
      '',
      mdTable(replayHeaders, replayRows(r.replay)),
      '',
      `- Each case runs next to a run of (a), before it in one round and after it in the next; **ratio** and **added** are the medians over rounds of the case over / minus that neighbouring run. From socket.io's packet decoder on (hello parser, socket.io-parser, JSON.parse, the socket's emitter, then the client under test), fed in-process with \`engine.emit('data', packet)\` (what the websocket transport does per frame): ${r.replay.messages.toLocaleString('en-US')} packets of ${r.replay.packetBytes} bytes per run, ${r.replay.reps} rounds, no network, server or scheduling noise. **added** is the paired difference to (a): what the library costs per message.`,
      '- (a′) is what a bare client pays to route to 1,000 handlers of its own (a Map); (e) shows what a dispatch that is not flat costs: 1,000 `ofCommand` filters on `messages$` see every message (run with a tenth of the messages).',
      '',
    );
  }
  if (r.throughput) {
    md.push(
      '## 2. Sends between two clients',
      '',
      sendTable(r.throughput, mdTable),
      '',
      `- Both clients run in the benchmark process, the emulator in the child; medians over ${r.throughput.reps} rounds (lib/bare order alternating).`,
      "- **receipt**: from the call that sends to its receipt: the server's ack of the `request` (socket) or the REST answer. **delivery**: from that call to the message's arrival at the receiving client. **msg/s**: messages delivered per second, first send to last arrival. **CPU µs/msg**: `process.cpuUsage()` of the benchmark process per message, sender and receiver together (the server is in the child).",
      "- Library sends are `firstValueFrom(client.send(…, { via }))`; the library waits for the ack (`socketAck: true`, its default) and runs a 15 s send timer per send. REST sends use the library's axios (JSON body); the bare REST sends use `fetch`. REST-sent `data` arrives as a JSON string, which the bare receiver parses.",
      '',
    );
  }
  if (r.heap) {
    md.push(
      '## 3. Heap while receiving',
      '',
      mdTable(
        ['client', ...(r.heap.series[0]?.at ?? []).map((n) => (n === 0 ? 'start MiB' : `+${n / 1000}k MiB`)), 'growth', 'B/msg'],
        r.heap.series.map((s) => [s.label, ...s.heapUsed.map((b) => f2(b / 1048576)), kib(s.growth), f1(s.bytesPerMessage)]),
      ),
      '',
      `- \`heapUsed\` of the whole benchmark process after two forced full GCs (\`v8.setFlagsFromString('--expose-gc')\`), after a ${r.heap.warmup.toLocaleString('en-US')}-message warm-up and then every ${r.heap.step.toLocaleString('en-US')} messages. The library client has a \`messages$\` subscriber and a \`command$\` subscriber; messages rotate over four commands.`,
      '',
    );
  }
  if (r.ready) {
    md.push(
      '## 4. Time to ready',
      '',
      mdTable(
        ['to ready', 'median ms', 'min', 'p90', 'max', 'minus backoff'],
        r.ready.rows.map((x) => [x.label, f1(x.medianMs), f1(x.minMs), f1(x.p90Ms), f1(x.maxMs), x.overheadMs !== undefined ? f1(x.overheadMs) : '']),
      ),
      '',
      `- ${r.ready.runs} runs each after one unmeasured run, websocket transport. Fresh: a new client per run, from the first \`state$\` subscription to \`ready\`; the productkey row includes the certify POST (axios; the bare client uses \`fetch\`).`,
      `- Reconnect: a TCP proxy (startTcpProxy from rexsys-rx/emulator) between client and emulator; \`cut()\` destroys every connection, timed to \`ready\` (bare: to the \`login\` answer) again. Library ${r.ready.backoff.library}; bare socket.io-client ${r.ready.backoff.raw}. **minus backoff** subtracts that ${r.ready.backoff.delayMs} ms wait.`,
      '',
    );
  }
  if (r.delivery) {
    md.push(
      '## 5. Confirmed delivery vs plain sends',
      '',
      deliveryTable(r.delivery, mdTable),
      '',
      `- The same two library clients, via 'socket'; CPU is this process (sender and receiver together) per message the receiver got. Wire messages: requests the sender made (first sends, retransmits, probes) plus confirmations the receiver made, per message delivered; a plain send is one request. Medians over ${r.delivery.reps} rounds.`,
      "- The rows with cuts: both clients behind TCP proxies, the sender's and the receiver's link cut in turn every 100–300 ms, sends paced at 250/s (at most 64 in flight); retransmission with `retransmitAfter: 300`, `maxProbeInterval: 1000`. msg/s there is bounded by the pace.",
      '',
    );
  }
  if (r.store) {
    md.push(
      '## 6. Receiving with a file store vs in memory',
      '',
      storeTable(r.store, mdTable),
      '',
      `- Confirmed sends, 64 in flight, lib-tx → lib-sink; the receiver with \`fileStore(path)\` or none; rounds alternate. CPU is this process (both ends) per delivered message; the ratio is paired round by round. Store file after the last round: ${r.store.fileBytes.toLocaleString('en-US')} bytes.`,
      '',
    );
  }
  const p = r.replay?.profiles;
  if (p) {
    md.push(
      '## Profile of the receive path (in-process replay)',
      '',
      "Self time per message by package, from V8's CPU profiler (the one behind `node --cpu-prof`, 50 µs sampling) during one replay run of each client: each function's share of the samples times the CPU that run took (the profiler's own overhead included).",
      '',
      groupTable(p.raw, p.messages, mdTable),
      '',
      'Hottest functions, `messages$`:',
      '',
      profileTable(p.messages, mdTable),
      '',
      'Line numbers of lib/ files are those of the code tsx generates, not of the sources.',
      '',
    );
  }
  if (notes) md.push('## Analysis', '', notes.trim(), '');
  md.push(
    '## How to run',
    '',
    'See [bench/README.md](../bench/README.md): `npm run bench` (full, about 2 minutes), `npm run bench -- --quick` (about 20 s), `--json` for a JSON document.',
    '',
  );
  return md.join('\n');
}
