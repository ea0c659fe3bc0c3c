/**
 * Sends between two clients of this process through the emulator child: the library
 * (`firstValueFrom(client.send(…, { via }))`) beside a bare socket.io-client
 * (`emit('request', payload, ack)`) and a bare `fetch` POST for REST. One clock times each
 * message from the call that sends it to its receipt (the server's ack, the REST answer);
 * the run ends when the receiver has every message. Also the driver the delivery, store and
 * heap sections send with.
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import type { Socket } from 'socket.io-client';
import type { RexsysClient } from '../lib/index.js';
import { holdOpen, libClient, rawCertify, rawClose, rawLogin, rawRestSend, rawSocket } from './clients.js';
import { cpuSince, paired, ratioRow, stat, withTimeout, type BenchServer, type Figures, type Section } from './harness.js';

let runs = 0;

/** Which `{ run, seq }` messages of the current run a receiver got. */
export class Arrivals {
  private run = -1;
  private seen = new Uint8Array(0);
  private done: () => void = () => undefined;
  count = 0;
  last = 0;

  /** Starts run `run` of `n` messages; resolves when all arrived. */
  start(run: number, n: number): Promise<void> {
    [this.run, this.seen, this.count] = [run, new Uint8Array(n), 0];
    return new Promise((resolve) => (this.done = resolve));
  }

  readonly onMessage = (data: unknown): void => {
    const d = (typeof data === 'string' ? JSON.parse(data) : data) as { run?: number; seq?: number } | null; // REST-sent data is a JSON string
    if (d?.run !== this.run || typeof d.seq !== 'number' || this.seen[d.seq]) return;
    this.seen[d.seq] = 1;
    this.last = performance.now();
    if (++this.count === this.seen.length) this.done();
  };
}

export interface SendOptions {
  /** Sends in flight at once. @default 1 */
  readonly window?: number;
  /** Send message i no earlier than i × pace ms after the start. */
  readonly pace?: number;
  /** Messages may be lost (links cut): failed sends are not errors, and the run ends 1.5 s after the last arrival. */
  readonly lossy?: boolean;
}

/**
 * Sends `n` messages `{ run, seq }` and waits for them at the receiver: CPU of this process
 * (both ends) per delivered message, messages delivered per second (first send to last
 * arrival), the median send → receipt in ms, and the share delivered.
 */
export async function sendRun(
  send: (data: { run: number; seq: number }) => Promise<unknown>,
  arrivals: Arrivals,
  n: number,
  o: SendOptions = {},
): Promise<Figures> {
  const run = ++runs;
  const all = arrivals.start(run, n);
  const receipts: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const seq = next++;
      const wait = t0 + seq * (o.pace ?? 0) - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const s0 = performance.now();
      try {
        await send({ run, seq });
        receipts.push(performance.now() - s0);
      } catch (e) {
        if (!o.lossy) throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.window ?? 1, n) }, worker));
  const end = performance.now();
  for (let seen = -1; arrivals.count < n && arrivals.count !== seen;) {
    seen = arrivals.count;
    await withTimeout(all, o.lossy ? 1_500 : 30_000, '').catch(() => undefined);
  }
  if (!o.lossy && arrivals.count < n) throw new Error(`the receiver got ${arrivals.count} of ${n} messages`);
  const delivered = arrivals.count;
  return {
    cpu: cpuSince(cpu0) / delivered,
    perSecond: (delivered / (Math.max(end, arrivals.last) - t0)) * 1000,
    p50: stat(receipts).mid,
    share: delivered / n,
  };
}

type Options = Parameters<typeof libClient>[2];

/** A library sender `lib-tx` and receiver `lib-sink` (on their own URLs if two are given), open, the receiver's arrivals counted. */
export async function libPair(url: string | readonly [string, string], extra: Options = {}, sinkExtra: Options = {}) {
  const [txUrl, sinkUrl] = typeof url === 'string' ? [url, url] : url;
  const [tx, sink] = [libClient(txUrl, 'lib-tx', extra), libClient(sinkUrl, 'lib-sink', { ...extra, ...sinkExtra })];
  const arrivals = new Arrivals();
  const subs: Subscription[] = [await holdOpen(tx), await holdOpen(sink), sink.messages$.subscribe((m) => arrivals.onMessage(m.data))];
  const close = () => [...subs.map((s) => s.unsubscribe()), tx.close(), sink.close()];
  return { tx, sink, arrivals, close };
}

/** A bare sender `raw-tx` and receiver `raw-sink`, logged in, the receiver's arrivals counted. */
export async function rawPair(url: string) {
  const [tx, sink]: Socket[] = [rawSocket(url), rawSocket(url)];
  const creds = await rawCertify(url, 'raw-tx');
  await rawLogin(tx, creds);
  await rawLogin(sink, await rawCertify(url, 'raw-sink'));
  const arrivals = new Arrivals();
  sink.on('touid', (m: { data?: unknown }) => arrivals.onMessage(m.data));
  const emit = (data: unknown) =>
    new Promise<void>((resolve) => tx.emit('request', { channel: 'client', sender: 'raw-tx', receiver: 'raw-sink', command: 'bench', data }, () => resolve()));
  const post = (data: unknown) => rawRestSend(url, creds, 'raw-sink', data);
  return { emit, post, arrivals, close: () => [tx, sink].forEach(rawClose) };
}

export const libSend = (tx: RexsysClient, options: Parameters<RexsysClient['send']>[1]) => (data: unknown) =>
  firstValueFrom(tx.send({ receiver: 'lib-sink', command: 'bench', data }, options));

/** An application's typical larger payload: a cart of 50 items, 3.9 KB of JSON. */
const CART = {
  items: Array.from({ length: 50 }, (_, i) => ({ id: `item-${i}`, name: `Product name ${i}`, price: i * 1.5, qty: i % 7, tags: ['a', 'b'] })),
};

export async function runSends(server: BenchServer, quick: boolean): Promise<Section[]> {
  const [rounds, seq, pipelined, bulky, rest] = quick ? [2, 200, 500, 200, 100] : [5, 1_000, 5_000, 1_000, 500];
  // One at a time, a round's CPU follows the VM's wake-ups more than the client: three times the rounds (and the 4 KB sends, whose rounds are short).
  const seqRounds = quick ? rounds : 15;
  const lib = await libPair(server.url);
  const raw = await rawPair(server.url);
  try {
    const both = (id: string, via: 'socket' | 'rest', n: number, window: number, extra?: object) => {
      const [send, base] = [libSend(lib.tx, { via }), via === 'socket' ? raw.emit : raw.post];
      const padded = (f: (data: unknown) => Promise<unknown>) => (extra ? (data: object) => f({ ...data, extra }) : f);
      return {
        id,
        run: () => sendRun(padded(send), lib.arrivals, n, { window }),
        base: () => sendRun(padded(base), raw.arrivals, n, { window }),
      };
    };
    const warmups = quick ? 1 : 3;
    const pairs = new Map([
      ...(await paired('send', rounds, [both('socket-64', 'socket', pipelined, 64), both('rest-16', 'rest', rest, 16)], { warmups })),
      ...(await paired('send', seqRounds, [both('socket-seq', 'socket', seq, 1), both('socket-4k', 'socket', bulky, 64, CART)], { warmups })),
    ]);
    const [s1, s64, s4k, r16] = ['socket-seq', 'socket-64', 'socket-4k', 'rest-16'].map((id) => pairs.get(id));
    return [
      {
        id: 'socket',
        title: 'Socket sends',
        columns: ["rexsys-rx `send(…, { via: 'socket' })`", "bare `emit('request', …, ack)`"],
        rows: [
          ratioRow('socket.seq.cpu', 'CPU per message, sequential', 'µs', s1, 'cpu', { max: 1.1 }),
          ratioRow('socket.64.cpu', 'CPU per message, 64 in flight', 'µs', s64, 'cpu', { max: 1.1 }),
          ratioRow('socket.4k.cpu', 'CPU per message, 64 in flight, 4 KB of data', 'µs', s4k, 'cpu', { max: 1.1 }),
          ratioRow('socket.seq.p50', 'send → receipt p50, sequential', 'ms', s1, 'p50', { max: 1.1 }),
          ratioRow('socket.64.p50', 'send → receipt p50, 64 in flight', 'ms', s64, 'p50', { max: 1.1 }),
          ratioRow('socket.64.rate', 'messages delivered per second, 64 in flight', 'msg/s', s64, 'perSecond'),
        ],
        method: [
          `A sender and a receiver in this process, the emulator in the child; ${seq.toLocaleString('en-US')} messages sent one at a time (each awaits its receipt, the server's ack) and ${pipelined.toLocaleString('en-US')} with 64 in flight, the data \`{ run, seq }\`; ${bulky.toLocaleString('en-US')} with 64 in flight and a 4 KB cart (50 items) beside it. CPU is this process's (both ends) from the first send to the last arrival, per message.`,
          `${seqRounds} rounds one at a time and with 4 KB, ${rounds} with 64 in flight; each library run next to a bare run, order alternating, after ${quick ? 'one unmeasured pass' : 'three unmeasured passes'} over every case.`,
        ],
      },
      {
        id: 'rest',
        title: 'REST sends',
        columns: ["rexsys-rx `send(…, { via: 'rest' })` (axios)", 'bare `fetch` POST'],
        rows: [
          ratioRow('rest.16.rate', 'messages delivered per second, 16 in flight', 'msg/s', r16, 'perSecond', { min: 0.9 }),
          ratioRow('rest.16.cpu', 'CPU per message, 16 in flight', 'µs', r16, 'cpu', { max: 1.15 }),
        ],
        method: [
          `${rest.toLocaleString('en-US')} messages POSTed to /api/ide/io/send, 16 in flight, to a receiver on the socket; measured as the socket sends, ${rounds} rounds.`,
        ],
      },
    ];
  } finally {
    lib.close();
    raw.close();
  }
}
