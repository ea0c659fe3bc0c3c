/**
 * Section 3: heap growth while receiving. Each client (bare, then the library with a
 * `messages$` and a `command$` subscriber) receives a warm-up, then `messages` more in
 * steps; after each step two forced full GCs, then `heapUsed` is sampled. What stays
 * after a GC is what the client retains: a leak shows as growth proportional to the
 * messages received.
 */
import type { Socket } from 'socket.io-client';
import type { RexsysClient } from '../lib/index.js';
import type { BenchConfig } from './config.js';
import { progress, settleHeap, Sink, type BenchServer } from './harness.js';
import { holdOpen, libClient } from './lib-client.js';
import { rawCertify, rawClose, rawLogin, rawSocket } from './raw-client.js';

export interface HeapSeries {
  readonly id: string;
  readonly label: string;
  /** Messages received (after the warm-up) at each sample. */
  readonly at: readonly number[];
  /** heapUsed after GC at each sample, bytes. */
  readonly heapUsed: readonly number[];
  /** Last sample minus the first, bytes. */
  readonly growth: number;
  /** growth / messages, bytes per message. */
  readonly bytesPerMessage: number;
}

export interface HeapResult {
  readonly messages: number;
  readonly step: number;
  readonly warmup: number;
  readonly series: readonly HeapSeries[];
}

export async function runHeap(server: BenchServer, config: BenchConfig): Promise<HeapResult> {
  const { messages, step, warmup } = config.heap;
  const commands = ['cmd-0', 'cmd-1', 'cmd-2', 'cmd-3'];

  const measure = async (id: string, label: string, uid: string, sink: Sink): Promise<HeapSeries> => {
    const flood = async (n: number) => {
      const arrived = sink.until(n, 120_000, `heap ${id}`);
      await server.flood(uid, n, commands);
      await arrived;
    };
    await flood(warmup);
    const at = [0];
    const heapUsed = [await settleHeap()];
    for (let done = 0; done < messages;) {
      const n = Math.min(step, messages - done);
      await flood(n);
      done += n;
      at.push(done);
      heapUsed.push(await settleHeap());
    }
    const growth = heapUsed[heapUsed.length - 1] - heapUsed[0];
    const series = { id, label, at, heapUsed, growth, bytesPerMessage: growth / messages };
    progress(`  heap ${id.padEnd(4)} ${heapUsed.map((h) => (h / 1048576).toFixed(2)).join(' → ')} MB (growth ${(growth / 1024).toFixed(0)} KB)`);
    return series;
  };

  const series: HeapSeries[] = [];

  const raw: Socket = rawSocket(server.url, server.project);
  try {
    await rawLogin(raw, await rawCertify(server.url, server.project, 'KEY-raw-rx'));
    const sink = new Sink();
    raw.on('touid', sink.hit);
    series.push(await measure('raw', "bare socket.io-client, socket.on('touid')", 'raw-rx', sink));
  } finally {
    rawClose(raw);
  }

  const client: RexsysClient = libClient(server.url, 'lib-rx');
  try {
    const hold = await holdOpen(client);
    const sink = new Sink();
    const all = client.messages$.subscribe(sink.hit);
    // A command$ subscriber too (not counted): the dispatch map is exercised as well.
    const one = client.command$('cmd-1').subscribe();
    try {
      series.push(await measure('lib', 'rexsys-rx messages$ + command$', 'lib-rx', sink));
    } finally {
      one.unsubscribe();
      all.unsubscribe();
      hold.unsubscribe();
    }
  } finally {
    client.close();
  }
  return { messages, step, warmup, series };
}
