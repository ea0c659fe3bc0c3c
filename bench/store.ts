/**
 * Section 6: receiving confirmed messages with a file store vs in memory. The receiver's
 * store writes are gathered per turn of the event loop, off the receive path; this
 * measures what they cost. The same two library clients (lib-tx → lib-sink) on the bench
 * emulator, 64 confirmed sends in flight, rounds alternating memory / file store; CPU is
 * this process (both ends) per delivered message.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import type * as NodeEntry from '../lib/node/index.js';
import type { BenchConfig } from './config.js';
import { median, progress, type BenchServer } from './harness.js';
import { libClient, nextReady } from './lib-client.js';
import { usesDist } from './lib.js';

const DIST_NODE = path.join(__dirname, '..', 'dist', 'cjs', 'node', 'index.js');
const node = (): typeof NodeEntry => {
  if (!usesDist) return require('../lib/node/index.js') as typeof NodeEntry;
  if (!existsSync(DIST_NODE)) throw new Error('--dist: dist/cjs/node/index.js does not exist; run `npm run build` first.');
  return require(DIST_NODE) as typeof NodeEntry;
};

export interface StoreCase {
  readonly label: string;
  /** Median over rounds, µs of CPU per delivered message (both ends). */
  readonly cpuUsPerMessage: number;
  readonly perSecond: number;
}

export interface StoreResult {
  readonly messages: number;
  readonly reps: number;
  readonly memory: StoreCase;
  readonly file: StoreCase;
  /** Median over rounds of (file / memory) CPU per message, paired round by round. */
  readonly ratio: number;
  readonly ratios: readonly number[];
  /** The store file's size after the last file round, bytes. */
  readonly fileBytes: number;
}

async function round(server: BenchServer, messages: number, file: string | undefined): Promise<{ cpu: number; perSecond: number }> {
  const sink = libClient(server.url, 'lib-sink', file ? { store: node().fileStore(file) } : {});
  const tx = libClient(server.url, 'lib-tx');
  let got = 0;
  const sub = sink.command$('sbench').subscribe(() => got++);
  const holds = [tx.state$.subscribe(), sink.state$.subscribe()];
  try {
    await Promise.all([nextReady(tx), nextReady(sink)]);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await lastValueFrom(
      from(Array.from({ length: messages }, (_, n) => n)).pipe(
        mergeMap((n) => tx.send({ receiver: 'lib-sink', command: 'sbench', data: { n } }, { via: 'socket', delivery: 'confirmed', ttl: 60_000 }), 64),
        toArray(),
      ),
    );
    const c = process.cpuUsage(c0);
    const ms = performance.now() - t0;
    if (got !== messages) throw new Error(`store bench: the receiver got ${got} of ${messages}`);
    return { cpu: (c.user + c.system) / messages, perSecond: (messages / ms) * 1000 };
  } finally {
    sub.unsubscribe();
    holds.forEach((h) => h.unsubscribe());
    tx.close();
    sink.close();
  }
}

export async function runStore(server: BenchServer, config: BenchConfig): Promise<StoreResult> {
  const { messages, reps } = config.store;
  const dir = mkdtempSync(path.join(tmpdir(), 'rexsys-bench-store-'));
  const mem: Array<{ cpu: number; perSecond: number }> = [];
  const fil: Array<{ cpu: number; perSecond: number }> = [];
  let fileBytes = 0;
  try {
    for (let i = 0; i < reps; i++) {
      progress(`  store round ${i + 1}/${reps}`);
      mem.push(await round(server, messages, undefined));
      const file = path.join(dir, `sink-${i}.store`);
      fil.push(await round(server, messages, file));
      fileBytes = statSync(file).size;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ratios = fil.map((f, i) => f.cpu / mem[i].cpu);
  const sum = (rs: typeof mem, label: string): StoreCase => ({
    label,
    cpuUsPerMessage: median(rs.map((r) => r.cpu)),
    perSecond: median(rs.map((r) => r.perSecond)),
  });
  return { messages, reps, memory: sum(mem, 'receiver in memory'), file: sum(fil, 'receiver with fileStore'), ratio: median(ratios), ratios, fileBytes };
}
