/**
 * `npm run bench`: rexsys-rx beside a bare socket.io-client on the same emulator.
 *
 *   npm run bench                     full run (~2 min), writes docs/benchmarks.md
 *   npm run bench -- --quick          smoke run (~20 s), writes nothing
 *   npm run bench -- --json           a JSON document on stdout instead of the table
 *   npm run bench -- --only=cpu,heap  some sections (cpu, replay, send, heap, ready, delivery, store)
 *   npm run bench -- --no-docs        do not write docs/benchmarks.md
 *   npm run bench -- --no-profile     skip the CPU profile of the replay section
 *   npm run bench -- --dist           measure the tsc build in dist/cjs instead of lib/ via tsx
 *   npm run bench -- --from=FILE      no run: render the table (and docs) from a saved --json document
 *
 * See bench/README.md for what each figure means.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FULL, QUICK, type BenchConfig } from './config.js';
import { runCpu } from './cpu.js';
import { progress, startServer, type BenchServer } from './harness.js';
import { runHeap } from './heap.js';
import { runReady } from './ready.js';
import { runReplay } from './replay.js';
import { libSource } from './lib.js';
import { renderMarkdown, renderText, verdicts, type BenchResults, type Environment } from './report.js';
import { runThroughput } from './throughput.js';
import { runDelivery } from './delivery.js';
import { runStore } from './store.js';

const ROOT = path.resolve(__dirname, '..');
const SECTIONS = ['cpu', 'replay', 'send', 'heap', 'ready', 'delivery', 'store'] as const;
type Section = (typeof SECTIONS)[number];

interface Args {
  readonly config: BenchConfig;
  readonly json: boolean;
  readonly sections: ReadonlySet<Section>;
  readonly docs: boolean;
  readonly profile: boolean;
  readonly from: string | undefined;
}

/** A bad command line: printed without a stack trace. */
class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let json = false;
  let docs = true;
  let profile = true;
  let only: Section[] | undefined;
  let from: string | undefined;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--json') json = true;
    else if (arg === '--no-docs') docs = false;
    else if (arg === '--no-profile') profile = false;
    else if (arg === '--dist')
      continue; // read by bench/lib.ts
    else if (arg.startsWith('--from=')) from = arg.slice('--from='.length);
    else if (arg.startsWith('--only=')) {
      only = arg
        .slice('--only='.length)
        .split(',')
        .map((s) => s.trim())
        .filter((s): s is Section => {
          if ((SECTIONS as readonly string[]).includes(s)) return true;
          throw new UsageError(`unknown section "${s}" (expected ${SECTIONS.join(', ')})`);
        });
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        `usage: npm run bench -- [--quick] [--json] [--only=${SECTIONS.join(',')}] [--no-docs] [--no-profile] [--dist] [--from=results.json]\n`,
      );
      process.exit(0);
    } else throw new UsageError(`unknown option ${arg} (try --help)`);
  }
  const sections = new Set<Section>(only ?? SECTIONS);
  // docs/benchmarks.md only from a complete full run.
  return { config: quick ? QUICK : FULL, json, sections, docs: docs && !quick && only === undefined, profile: profile && !quick, from };
}

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function environment(config: BenchConfig, started: number, loadBefore: number): Environment {
  const cpus = os.cpus();
  const own = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGiB: os.totalmem() / 1024 ** 3,
    node: process.versions.node,
    versions: {
      [own.name]: own.version,
      rxjs: versionOf('rxjs'),
      'socket.io-client': versionOf('socket.io-client'),
      'socket.io (emulator)': versionOf('socket.io'),
      'io-ts': versionOf('io-ts'),
      ws: versionOf('ws'),
    },
    library: libSource,
    loadBefore,
    loadAfter: os.loadavg()[0],
    mode: config.quick ? 'quick' : 'full',
    durationSeconds: (performance.now() - started) / 1000,
  };
}

function output(args: Args, all: BenchResults): void {
  process.stdout.write(args.json ? `${JSON.stringify(all, null, 2)}\n` : `\n${renderText(all)}\n`);
  if (args.docs && all.environment.mode === 'full') {
    const notesFile = path.join(__dirname, 'analysis.md');
    const notes = existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : undefined;
    const target = path.join(ROOT, 'docs', 'benchmarks.md');
    writeFileSync(target, renderMarkdown(all, notes));
    progress(`wrote ${path.relative(process.cwd(), target)}`);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.from) {
    const saved = JSON.parse(readFileSync(args.from, 'utf8')) as BenchResults;
    output(args, { ...saved, verdicts: verdicts(saved) });
    return;
  }
  const { config } = args;
  const started = performance.now();
  const loadBefore = os.loadavg()[0];
  progress(`rexsys-rx bench (${config.quick ? 'quick' : 'full'}): ${[...args.sections].join(', ')}`);

  let server: BenchServer | undefined;
  const results: { -readonly [K in keyof Omit<BenchResults, 'environment' | 'verdicts'>]?: BenchResults[K] } = {};
  try {
    server = await startServer();
    progress(`emulator child pid ${server.pid} at ${server.url} (gate ${server.gateUrl})`);
    if (args.sections.has('cpu')) {
      progress('1. client CPU per message');
      results.cpu = await runCpu(server, config);
    }
    if (args.sections.has('replay')) {
      progress('1b. in-process replay');
      results.replay = await runReplay(server, config, { profile: args.profile });
    }
    if (args.sections.has('send')) {
      progress('2. sends');
      results.throughput = await runThroughput(server, config);
    }
    if (args.sections.has('heap')) {
      progress('3. heap');
      results.heap = await runHeap(server, config);
    }
    if (args.sections.has('ready')) {
      progress('4. time to ready');
      results.ready = await runReady(server, config);
    }
    if (args.sections.has('delivery')) {
      progress('5. confirmed delivery vs plain sends');
      results.delivery = await runDelivery(server, config);
    }
    if (args.sections.has('store')) {
      progress('6. receiving with a file store vs in memory');
      results.store = await runStore(server, config);
    }
  } finally {
    await server?.close();
  }

  const partial = { environment: environment(config, started, loadBefore), ...results };
  output(args, { ...partial, verdicts: verdicts(partial) });
}

main().then(
  () => {
    // Everything is closed; if something still holds the loop, say what (the timer itself does not).
    setTimeout(() => progress(`still running after cleanup: ${process.getActiveResourcesInfo().join(', ')}`), 3_000).unref();
  },
  (e: unknown) => {
    console.error(e instanceof UsageError ? e.message : e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
