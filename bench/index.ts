/**
 * `npm run bench`: rexsys-rx beside a bare socket.io-client on the same emulator, in one
 * run; `npm run bench -- --help` for the options, bench/README.md for what is measured.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, type FlagSpecs } from '../lib/cli/args.js';
import { UsageError } from '../lib/cli/errors.js';
import { loadLibrary } from './clients.js';
import { runDelivery, runStore } from './delivery.js';
import { progress, startServer, type BenchServer, type Section } from './harness.js';
import { runHeap } from './heap.js';
import { runReady } from './ready.js';
import { runLoopback, runReplay } from './receive.js';
import { render, type Results } from './report.js';
import { runSends } from './send.js';

const ROOT = path.resolve(__dirname, '..');

type Run = (server: BenchServer, quick: boolean, profile: boolean) => Promise<Section | Section[]>;
/** The sections, in the order they run and are reported. */
const SECTIONS: Record<string, Run> = {
  send: runSends,
  replay: runReplay,
  loopback: runLoopback,
  delivery: runDelivery,
  store: runStore,
  heap: runHeap,
  ready: runReady,
};

const FLAGS = {
  quick: { type: 'boolean', description: 'a smoke run (under a minute); writes no docs' },
  only: { type: 'string', value: 'SECTIONS', description: `run some sections, comma-separated: ${Object.keys(SECTIONS).join(', ')} (writes no docs)` },
  json: { type: 'boolean', description: 'print the results as JSON on stdout instead of the tables' },
  'no-docs': { type: 'boolean', description: 'do not write docs/benchmarks.md (a full run of every section writes it)' },
  'no-profile': { type: 'boolean', description: 'skip the CPU profile of the replay (never taken in --quick)' },
  dist: { type: 'boolean', description: 'measure the build in dist/cjs (`npm run build` first) instead of lib/ through tsx' },
  help: { type: 'boolean', short: 'h', description: 'print this help' },
} as const satisfies FlagSpecs;

const usage = () =>
  [
    'usage: npm run bench -- [options]',
    '',
    ...Object.entries(FLAGS).map(([name, f]) => `  --${`${name}${'value' in f ? `=${f.value}` : ''}`.padEnd(18)} ${f.description}`),
  ].join('\n');

const version = (pkg: string) => (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), FLAGS, { command: 'bench' });
  if (flags.help) return void process.stdout.write(`${usage()}\n`);
  const only = flags.only?.split(',').map((s) => s.trim());
  for (const s of only ?? []) if (!(s in SECTIONS)) throw new UsageError(`unknown section "${s}" (expected ${Object.keys(SECTIONS).join(', ')})`, 'bench');
  const quick = flags.quick;
  const docs = !flags['no-docs'] && !quick && !only;
  const library = loadLibrary(flags.dist);
  const [started, load] = [performance.now(), os.loadavg()[0]];
  progress(`rexsys-rx bench (${quick ? 'quick' : 'full'}, ${library})`);

  const sections: Section[] = [];
  const server = await startServer();
  try {
    for (const [name, run] of Object.entries(SECTIONS)) {
      if (only && !only.includes(name)) continue;
      progress(`${name} (at ${((performance.now() - started) / 1000).toFixed(0)} s):`);
      sections.push(...[await run(server, quick, !quick && !flags['no-profile'])].flat());
    }
  } finally {
    await server.close();
  }

  const cpus = os.cpus();
  const results: Results = {
    environment: {
      date: new Date().toISOString().slice(0, 19) + 'Z',
      machine: `${cpus.length} × ${cpus[0]?.model.trim()} (${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB), ${os.type()} ${os.release()}, Node ${process.versions.node}`,
      load: [load, os.loadavg()[0]],
      library,
      versions: ['socket.io-client', 'rxjs', 'io-ts'].map((p) => `${p} ${version(p)}`).join(', '),
      mode: quick ? 'quick' : 'full',
      seconds: (performance.now() - started) / 1000,
    },
    sections,
  };
  process.stdout.write(flags.json ? `${JSON.stringify(results, null, 2)}\n` : `\n${render(results)}\n`);
  if (docs) {
    const target = path.join(ROOT, 'docs', 'benchmarks.md');
    writeFileSync(target, render(results, readFileSync(path.join(__dirname, 'analysis.md'), 'utf8')));
    progress(`wrote ${path.relative(process.cwd(), target)}`);
  }
}

main().then(
  // Everything is closed; if something still holds the event loop, name it (this timer does not hold it).
  () => void setTimeout(() => progress(`still running after cleanup: ${process.getActiveResourcesInfo().join(', ')}`), 3_000).unref(),
  (e: unknown) => {
    console.error(e instanceof UsageError ? `bench: ${e.message}` : e);
    process.exitCode = e instanceof UsageError ? 2 : 1;
    setTimeout(() => process.exit(), 1_000).unref(); // a client a failed section left open must not keep the process alive
  },
);
