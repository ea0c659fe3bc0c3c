/**
 * What every section shares: the server child and its IPC protocol, forced GC, a message
 * counter, the one statistics helper, the paired rounds every comparison runs in, and the
 * rows a section hands to the report.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

// Small helpers.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Progress goes to stderr, so `--json` on stdout stays clean. */
export const progress = (line: string): void => void process.stderr.write(`${line}\n`);

/** CPU time (user + system, all threads) of this process in µs since `since`. */
export function cpuSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

/** Rejects after `ms` unless `promise` settles first; the timer never outlives the race. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

let gc: ((options?: { type: 'major' | 'minor' }) => void) | undefined;
const collector = () => {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as typeof gc;
  }
  return gc!;
};

/** Two full GCs with a macrotask between (weak callbacks run); returns `heapUsed` after them. For heap figures only: see {@link clearYoungGeneration}. */
export async function settleHeap(): Promise<number> {
  collector()();
  await tick();
  collector()();
  return process.memoryUsage().heapUsed;
}

/**
 * Collects the young generation (a scavenge), so a run does not pay for the garbage the one
 * before it left, then lets a macrotask pass. Not a full GC before a CPU-timed run: the
 * collector's concurrent marking and sweeping after a forced full GC run on V8's worker
 * threads during the next run and land in its `process.cpuUsage()` (measured on this VM:
 * 20–30 µs more per message for both clients at 64 in flight, and 100+ µs for a 1,000-message
 * sequential run; bench/analysis.md).
 */
export async function clearYoungGeneration(): Promise<void> {
  collector()({ type: 'minor' });
  await tick();
}

/** Counts messages; `until(n)` resolves once `n` more arrived. `hit` is all a listener does. */
export class Sink {
  count = 0;
  private target = Infinity;
  private done: (() => void) | undefined;
  readonly hit = (): void => {
    if (++this.count === this.target) this.done?.();
  };
  until(n: number, what: string): Promise<void> {
    this.target = this.count + n;
    return withTimeout(new Promise<void>((resolve) => (this.done = resolve)), 120_000, `${what}: ${n} messages (got ${this.count})`);
  }
}

// The server child (bench/server.ts): an emulator and, in front of it, a TCP proxy (the gate).

export const BENCH_PROJECT = 'bench';
/** One uid (and productkey `KEY-<uid>`) per client role, so a flood reaches only the client under test. */
export const BENCH_UIDS = ['raw-rx', 'lib-rx', 'lib-tx', 'lib-sink', 'raw-tx', 'raw-sink', 'ready-lib', 'ready-raw'] as const;
export type BenchUid = (typeof BENCH_UIDS)[number];
export const keyOf = (uid: BenchUid): string => `KEY-${uid}`;

/** Parent → child: `flood` takes `uid`, `count` and `commands`. */
export interface ServerCommand {
  readonly id: number;
  readonly type: 'flood' | 'hold' | 'release' | 'close';
  readonly flood?: { readonly uid: string; readonly count: number; readonly commands: readonly string[] };
}
/** Child → parent: the answer to command `id`; id 0 when started, with the origins. */
export type ServerReply = { readonly id: number; readonly error?: string } & Partial<Pick<BenchServer, 'url' | 'port' | 'gateUrl'>>;

export interface BenchServer {
  readonly url: string;
  readonly port: number;
  /** The gate's origin: what the server writes through it can be held back and released in one burst. */
  readonly gateUrl: string;
  /** `emulator.inject(uid, …)` `count` times, commands round-robin; resolves when all were written. */
  flood(uid: string, count: number, commands: readonly string[]): Promise<void>;
  hold(): Promise<void>;
  release(): Promise<void>;
  /** Closes the emulator and waits for the child to exit. */
  close(): Promise<void>;
}

export function startServer(): Promise<BenchServer> {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  // Only the tsx loader: none of this process's flags reach the child.
  const child = fork(path.join(__dirname, 'server.ts'), [], { execArgv: ['--import', tsx], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const pending = new Map<number, (r: ServerReply) => void>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const call = (type: ServerCommand['type'], flood?: ServerCommand['flood']): Promise<void> =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error('the bench server is not running'));
      const id = nextId++;
      pending.set(id, (r) => (r.error ? reject(new Error(`bench server: ${r.error}`)) : resolve()));
      child.send({ id, type, flood } satisfies ServerCommand);
    });
  return new Promise((resolve, reject) => {
    child.once('exit', () => reject(new Error('the bench server exited before it was ready')));
    child.on('message', (m: ServerReply) => {
      if (m.id !== 0) {
        pending.get(m.id)?.(m);
        pending.delete(m.id);
        return;
      }
      if (m.error) return reject(new Error(m.error));
      resolve({
        url: m.url!,
        port: m.port!,
        gateUrl: m.gateUrl!,
        flood: (uid, count, commands) => call('flood', { uid, count, commands }),
        hold: () => call('hold'),
        release: () => call('release'),
        close: async () => {
          await withTimeout(call('close'), 5_000, 'bench server close').catch(() => child.kill('SIGKILL'));
          if (child.connected) child.disconnect();
          await exited;
        },
      });
    });
  });
}

// Statistics: one helper.

/** The median and the interquartile range (nearest rank: with 3 samples or fewer, min and max). */
export interface Stat {
  readonly mid: number;
  readonly lo: number;
  readonly hi: number;
}

export function stat(xs: readonly number[]): Stat {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return { mid: NaN, lo: NaN, hi: NaN };
  const rank = (p: number) => s[Math.max(0, Math.ceil(p * s.length) - 1)];
  const m = s.length >> 1;
  return { mid: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, lo: rank(0.25), hi: rank(0.75) };
}

// Paired alternating rounds.

/** What one run measured, by name (`cpu`, `p50`, `perSecond`…). */
export type Figures = Readonly<Record<string, number>>;
/** A case's runs and, round by round, the baseline run next to each. */
export interface Pair {
  readonly lib: Figures[];
  readonly base: Figures[];
}
export interface Case {
  readonly id: string;
  readonly run: () => Promise<Figures>;
  readonly base: () => Promise<Figures>;
}

/** How {@link paired} runs its rounds. */
export interface PairedOptions {
  /** Collect the young generation before each run (see {@link clearYoungGeneration}). @default true */
  readonly gc?: boolean;
  /**
   * Unmeasured passes over every case (baseline and library) before the first round: V8
   * optimises the library's code over the first several thousand messages (measured with
   * `--trace-opt`: compilations until the fourth 3,000-message run), and a run measured
   * earlier pays for them on its worker threads. @default 3
   */
  readonly warmups?: number;
}

/**
 * Runs every case next to a run of its baseline, `rounds` times, after `warmups`
 * unmeasured passes: the order of the cases reverses every other round, and the baseline
 * runs before the case in one round and after it in the next, so a drift of a shared
 * machine's load falls on both sides. With `gc`, the young generation is collected before
 * each run: no run pays for collecting what the one before it left.
 */
export async function paired(name: string, rounds: number, cases: readonly Case[], options: PairedOptions = {}): Promise<Map<string, Pair>> {
  const { gc = true, warmups = 3 } = options;
  const out = new Map(cases.map((c) => [c.id, { lib: [] as Figures[], base: [] as Figures[] }]));
  const once = async (run: () => Promise<Figures>) => {
    if (gc) await clearYoungGeneration();
    return run();
  };
  for (let pass = 0; pass < warmups; pass++) for (const c of cases) await once(c.base).then(() => once(c.run));
  for (let r = 0; r < rounds; r++) {
    const line: string[] = [];
    for (const [i, c] of (r % 2 ? [...cases].reverse() : cases).entries()) {
      const baseFirst = (r + i) % 2 === 0;
      const first = await once(baseFirst ? c.base : c.run);
      const second = await once(baseFirst ? c.run : c.base);
      const [base, lib] = baseFirst ? [first, second] : [second, first];
      out.get(c.id)!.lib.push(lib);
      out.get(c.id)!.base.push(base);
      const [key] = Object.keys(lib);
      line.push(`${c.id} ${lib[key].toPrecision(3)}/${base[key].toPrecision(3)}`);
    }
    progress(`  ${name} ${r + 1}/${rounds}: ${line.join(', ')}`);
  }
  return out;
}

// Rows: what a section hands to the report.

/** A goal: the judged figure at most `max` and/or at least `min`. */
export interface Goal {
  readonly max?: number;
  readonly min?: number;
}

export interface Row {
  /** `section.case.figure`: bench/analysis.md quotes a row's figure as {{id}}. */
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  /** Medians of the library's runs and of the baseline's. */
  readonly lib: number;
  readonly base?: number;
  /** What is judged: lib ÷ base round by round (`ratio`), or the library's own figure. */
  readonly figure: Stat;
  readonly ratio: boolean;
  readonly goal?: Goal;
  readonly met?: boolean;
}

export interface Section {
  readonly id: string;
  readonly title: string;
  /** Names of the library column and the baseline column. */
  readonly columns: readonly [string, string];
  readonly rows: readonly Row[];
  /** The method, a few lines of markdown. */
  readonly method: readonly string[];
  /** More markdown after the method (the profile). */
  readonly extra?: readonly string[];
}

const judge = (x: number, goal: Goal | undefined) =>
  goal ? (goal.max === undefined || x <= goal.max) && (goal.min === undefined || x >= goal.min) : undefined;

/** A row judged on lib ÷ baseline, paired round by round. */
export function ratioRow(id: string, label: string, unit: string, pair: Pair | undefined, key: string, goal?: Goal): Row {
  const lib = pair?.lib.map((f) => f[key]) ?? [];
  const base = pair?.base.map((f) => f[key]) ?? [];
  const figure = stat(lib.map((x, i) => x / base[i]));
  return { id, label, unit, lib: stat(lib).mid, base: stat(base).mid, figure, ratio: true, goal, met: judge(figure.mid, goal) };
}

/** A row judged on the library's own figure (the baseline, if any, shown beside it). */
export function valueRow(id: string, label: string, unit: string, lib: Stat, goal?: Goal, base?: number): Row {
  return { id, label, unit, lib: lib.mid, base, figure: lib, ratio: false, goal, met: judge(lib.mid, goal) };
}
