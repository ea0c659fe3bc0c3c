/**
 * Heap while messages flow, for every case: each client (or pair) gets a warm-up, then
 * `heapUsed` after two forced full GCs, then the messages in four steps with a sample after
 * each. What survives a full GC is what the clients retain: a leak grows with the messages.
 */
import { holdOpen, libClient, rawClose, rawReceiver } from './clients.js';
import { progress, settleHeap, Sink, valueRow, type BenchServer, type Row, type Section, type Stat } from './harness.js';
import { libPair, libSend, rawPair, sendRun } from './send.js';

const LIMIT_KIB = 1024;

/** Growth of `heapUsed` over `total` messages in KiB: at the end (`mid`), and the lowest and highest step (`lo`, `hi`). */
async function growth(name: string, total: number, send: (n: number) => Promise<unknown>): Promise<Stat> {
  await send(Math.min(total / 4, 5_000));
  const start = await settleHeap();
  const at: number[] = [];
  for (let i = 0; i < 4; i++) {
    await send(total / 4);
    at.push(((await settleHeap()) - start) / 1024);
  }
  progress(`  heap ${name}: ${at.map((x) => x.toFixed(0)).join(' → ')} KiB`);
  return { mid: at[3], lo: Math.min(...at), hi: Math.max(...at) };
}

export async function runHeap(server: BenchServer, quick: boolean): Promise<Section> {
  const [received, sent, confirmed, rest] = quick ? [10_000, 3_000, 2_000, 200] : [100_000, 100_000, 100_000, 5_000];
  const flood = async (sink: Sink, uid: string, n: number) => {
    const arrived = sink.until(n, `heap ${uid}`);
    await server.flood(uid, n, ['cmd-0', 'cmd-1', 'cmd-2', 'cmd-3']);
    await arrived;
  };

  const sink = new Sink();
  const raw = await rawReceiver(server.url, 'raw-rx');
  raw.on('touid', sink.hit);
  const rawReceive = await growth('receive, bare', received, (n) => flood(sink, 'raw-rx', n)).finally(() => rawClose(raw));
  const client = libClient(server.url, 'lib-rx');
  const subs = [await holdOpen(client), client.messages$.subscribe(sink.hit), client.command$('cmd-1').subscribe()];
  const libReceive = await growth('receive, rexsys-rx', received, (n) => flood(sink, 'lib-rx', n)).finally(() => {
    subs.forEach((s) => s.unsubscribe());
    client.close();
  });

  const bare = await rawPair(server.url);
  let rawSocket: Stat, rawRest: Stat;
  try {
    rawSocket = await growth('socket sends, bare', sent, (n) => sendRun(bare.emit, bare.arrivals, n, { window: 64 }));
    rawRest = await growth('REST sends, bare', rest, (n) => sendRun(bare.post, bare.arrivals, n, { window: 16 }));
  } finally {
    bare.close();
  }
  const p = await libPair(server.url);
  const rows: Row[] = [];
  try {
    const sends = async (what: string, id: string, n: number, window: number, options: Parameters<typeof libSend>[1], base?: Stat) => {
      const s = await growth(`${what}, rexsys-rx`, n, (k) => sendRun(libSend(p.tx, options), p.arrivals, k, { window }));
      rows.push(valueRow(`heap.${id}`, `${what} (${n.toLocaleString('en-US')} messages)`, 'KiB', s, { max: LIMIT_KIB }, base?.mid));
    };
    rows.push(
      valueRow(
        'heap.receive',
        `receiving, \`messages$\` + \`command$\` (${received.toLocaleString('en-US')} messages)`,
        'KiB',
        libReceive,
        { max: LIMIT_KIB },
        rawReceive.mid,
      ),
    );
    await sends('socket sends, 64 in flight', 'socket', sent, 64, { via: 'socket' }, rawSocket);
    await sends('confirmed delivery, sender and receiver, 64 in flight', 'confirmed', confirmed, 64, { via: 'socket', delivery: 'confirmed', ttl: 60_000 });
    await sends('REST sends, 16 in flight', 'rest', rest, 16, { via: 'rest' }, rawRest);
  } finally {
    p.close();
  }
  return {
    id: 'heap',
    title: 'Heap',
    columns: ['rexsys-rx growth', 'bare growth'],
    rows,
    method: [
      `\`heapUsed\` of this process after two forced full GCs, after a warm-up (a quarter of the messages, at most 5,000) and then every quarter of the messages; the figure is the growth at the end [lowest…highest step], KiB, goal under ${LIMIT_KIB} KiB (≈10 bytes per message at 100,000).`,
      `Both ends of a send are in this process. REST sends run over ${rest.toLocaleString('en-US')} messages only (1,000–1,700 a second here: 100,000 would take over a minute per client), so a slow leak of a few bytes per message would not show there.`,
    ],
  };
}
