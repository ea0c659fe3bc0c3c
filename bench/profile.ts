/**
 * A V8 CPU profile (the sampler behind `node --cpu-prof`, taken in-process with the
 * inspector) of a run, summarised as self time per message by package and by function.
 */
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import * as path from 'node:path';
import { table } from './report.js';

/** Self time per message, µs, by package and by function (largest first). */
export interface ProfileSummary {
  readonly groups: ReadonlyArray<readonly [string, number]>;
  readonly functions: ReadonlyArray<readonly [string, number]>;
}

const ROOT = path.resolve(__dirname, '..');
const SOCKET_IO = ['socket.io-client', 'engine.io-client', 'socket.io-parser', 'engine.io-parser', '@socket.io/component-emitter'];

/** Which package (or part of the runtime) a function belongs to. */
function groupOf(name: string, file: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)' || name === '(idle)' || name === '(root)') return name;
  if (file === '') return 'V8 builtins (JSON.parse…)';
  if (file.startsWith('node:')) return 'node internals';
  const nm = file.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const [scope, name] = file.slice(nm + 14).split('/');
    const pkg = scope.startsWith('@') ? `${scope}/${name}` : scope;
    return SOCKET_IO.includes(pkg) ? 'socket.io-client stack' : pkg === 'fp-ts' ? 'io-ts' : pkg;
  }
  if (/\/hello-parser\.[jt]s$/.test(file)) return 'hello parser (in both clients)';
  const rel = path.relative(ROOT, file);
  return /^(lib|dist)\//.test(rel) ? 'rexsys-rx' : rel.startsWith('bench/') ? 'bench harness' : 'other';
}

/** Runs `work` under the sampling profiler; the profile's busy time is scaled to `cpuUs` (the CPU the run was measured to take). */
export async function profile(work: () => Promise<void>, messages: number, measure: () => number): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  let p: Profiler.Profile;
  let cpuUs: number;
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 50 });
    await session.post('Profiler.start');
    await work();
    cpuUs = measure();
    ({ profile: p } = await session.post('Profiler.stop'));
  } finally {
    session.disconnect();
  }
  // Samples are counted, not weighted by the gap to the next one: on a loaded machine a gap
  // holds the time the thread was descheduled, which would land on whatever frame it stopped in.
  const self = new Map<number, number>();
  for (const id of p.samples ?? []) self.set(id, (self.get(id) ?? 0) + 1);
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const { id, callFrame: f } of p.nodes) {
    const n = self.get(id) ?? 0;
    const file = f.url.startsWith('file://') ? decodeURIComponent(new URL(f.url).pathname) : f.url;
    const group = groupOf(f.functionName, file);
    if (n === 0 || group === '(idle)' || group === '(root)') continue;
    busy += n;
    groups.set(group, (groups.get(group) ?? 0) + n);
    const where = file === '' ? '' : ` ${path.relative(ROOT, file).replace(/^.*node_modules\//, '')}:${f.lineNumber + 1}`;
    const key = `\`${f.functionName || '(anonymous)'}\`${where}`;
    functions.set(key, (functions.get(key) ?? 0) + n);
  }
  const per = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, (n / busy) * (cpuUs / messages)] as const);
  return { groups: per(groups), functions: per(functions).slice(0, 6) };
}

/** The bare client's profile beside the library's, by package, and the library's hottest functions: markdown. */
export function profileTable(bare: ProfileSummary, lib: ProfileSummary): string[] {
  const of = (p: ProfileSummary, g: string) => (p.groups.find(([name]) => name === g)?.[1] ?? 0).toFixed(2);
  return [
    "**Profile** of one replay run each (V8's sampler, 50 µs; self time per message: each function's share of the samples times the run's CPU):",
    '',
    table(
      ['package', 'bare µs/msg', '`messages$` µs/msg'],
      lib.groups.filter(([, us]) => us >= 0.01).map(([g]) => [g, of(bare, g), of(lib, g)]),
    ),
    '',
    `Hottest functions under \`messages$\`: ${lib.functions.map(([f, us]) => `${f} ${us.toFixed(2)} µs`).join('; ')}.`,
  ];
}
