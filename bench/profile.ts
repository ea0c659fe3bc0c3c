/**
 * CPU profiles of the receive path: taken in-process with the inspector (the same V8
 * sampling profiler as `node --cpu-prof`), and summarised as self time per message by
 * package and by function.
 *
 * Also a CLI for profiles written by `node --cpu-prof`:
 *   npx tsx bench/profile.ts <file.cpuprofile> [messages] [top]
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import * as path from 'node:path';

export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
    readonly hitCount?: number;
  }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly group: string;
  /** Self time per message, µs. */
  readonly usPerMessage: number;
  /** Share of the non-idle samples, 0..1. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly messages: number;
  /** Non-idle time per message, µs (the measured CPU when given, else the sampled time). */
  readonly totalUsPerMessage: number;
  /** Self time per message by group (package), µs, largest first. */
  readonly groups: ReadonlyArray<{ readonly group: string; readonly usPerMessage: number; readonly share: number }>;
  readonly top: readonly HotFunction[];
}

const ROOT = path.resolve(__dirname, '..');

/** Which package (or part of the runtime) a profile node belongs to. */
export function groupOf(functionName: string, url: string): string {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return '(program)';
  if (functionName === '(idle)' || functionName === '(root)') return '(idle)';
  if (url === '') return 'V8 builtins (JSON.parse…)';
  if (url.startsWith('node:')) return 'node internals';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    if (['socket.io-client', 'engine.io-client', 'socket.io-parser', 'engine.io-parser', '@socket.io/component-emitter'].includes(pkg))
      return 'socket.io-client stack';
    if (pkg === 'io-ts' || pkg === 'fp-ts') return 'io-ts / fp-ts';
    if (pkg === 'tsx' || pkg === 'esbuild') return 'tsx loader';
    return pkg;
  }
  const helloParser = [path.join(ROOT, 'lib', 'protocol', 'hello-parser.ts'), path.join(ROOT, 'dist', 'cjs', 'protocol', 'hello-parser.js')];
  if (helloParser.includes(file)) return 'hello parser (rexsys-rx, in both clients)';
  if (file.startsWith(path.join(ROOT, 'lib') + path.sep)) return 'rexsys-rx (lib/)';
  if (file.startsWith(path.join(ROOT, 'dist') + path.sep)) return 'rexsys-rx (dist/)';
  if (file.startsWith(path.join(ROOT, 'bench') + path.sep)) return 'bench harness';
  return 'other';
}

function shortWhere(url: string, line: number): string {
  if (url === '') return '(native)';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf('/node_modules/');
  const short = nm !== -1 ? file.slice(nm + '/node_modules/'.length) : path.relative(ROOT, file) || file;
  return `${short}:${line + 1}`;
}

/**
 * Self time per message by group and the `top` hottest functions (idle excluded).
 * With `cpuUsPerMessage` (the CPU the run was measured to take), each function's
 * share of the samples is scaled to it; otherwise the sampled time itself is used
 * (which the profiler's own overhead and a busy machine inflate).
 */
export function summarise(profile: CpuProfile, messages: number, top = 12, cpuUsPerMessage?: number): ProfileSummary {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // timeDeltas[i + 1] is the time spent in samples[i] (the gap to the next sample).
    for (let i = 0; i < samples.length; i++) {
      const dt = i + 1 < deltas.length ? deltas[i + 1] : 0;
      selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
    }
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0) || 1;
    for (const node of profile.nodes) selfUs.set(node.id, ((node.hitCount ?? 0) * total) / hits);
  }
  const byFunction = new Map<string, { name: string; where: string; group: string; us: number }>();
  const byGroup = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const group = groupOf(functionName, url);
    if (group === '(idle)') continue;
    busy += us;
    byGroup.set(group, (byGroup.get(group) ?? 0) + us);
    const where = shortWhere(url, lineNumber);
    const name = functionName || '(anonymous)';
    const key = `${name}@${where}`;
    const f = byFunction.get(key) ?? { name, where, group, us: 0 };
    f.us += us;
    byFunction.set(key, f);
  }
  const per = (us: number) => (cpuUsPerMessage !== undefined && busy > 0 ? (us / busy) * cpuUsPerMessage : us / messages);
  return {
    messages,
    totalUsPerMessage: per(busy),
    groups: [...byGroup.entries()].sort((a, b) => b[1] - a[1]).map(([group, us]) => ({ group, usPerMessage: per(us), share: busy ? us / busy : 0 })),
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, group: f.group, usPerMessage: per(f.us), share: busy ? f.us / busy : 0 })),
  };
}

/** Runs `work` under the V8 sampling profiler of this process and returns the profile. */
export async function profileWhile(work: () => Promise<void>, intervalUs = 100): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    let profile: unknown;
    try {
      await work();
    } finally {
      ({ profile } = await session.post('Profiler.stop'));
    }
    await session.post('Profiler.disable');
    return profile as CpuProfile;
  } finally {
    session.disconnect();
  }
}

/** Plain-text rendering of a summary. */
export function formatSummary(title: string, s: ProfileSummary): string {
  const lines = [`${title}: ${s.totalUsPerMessage.toFixed(2)} µs sampled per message over ${s.messages} messages`];
  for (const g of s.groups) lines.push(`  ${g.group.padEnd(28)} ${g.usPerMessage.toFixed(2).padStart(7)} µs  ${(g.share * 100).toFixed(1).padStart(5)}%`);
  lines.push('  hottest functions (self time):');
  for (const f of s.top)
    lines.push(`    ${f.usPerMessage.toFixed(2).padStart(6)} µs ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}  ${f.where}  [${f.group}]`);
  return lines.join('\n');
}

if (require.main === module) {
  const [file, messages = '1', top = '25'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npx tsx bench/profile.ts <file.cpuprofile> [messages] [top]');
    process.exitCode = 2;
  } else {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    console.log(formatSummary(path.basename(file), summarise(profile, Number(messages), Number(top))));
  }
}
