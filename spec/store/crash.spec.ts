/**
 * Crashes, with real processes: a sender with a file store killed with SIGKILL at
 * random points, twice while its receiver is offline and once while it is online,
 * then run to the end (every message delivered exactly once, in order); a receiver
 * with a file store killed mid-stream and restarted (nothing lost, at most one
 * duplicate); two processes on one store (the second is refused, E_STORE_LOCKED).
 * The emulator runs in this process; each peer is ONE node process (`node --import tsx`, so SIGKILL hits the peer itself, not a wrapper).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, type Subscription } from 'rxjs';
import type { RexsysMessage } from '../../lib/index';
import { clientFactory, record, untilStatus } from '../support/client-helpers';
import { startEmulatorServer, type TestServer } from '../support/servers';
import { SEED, prng } from '../support/fault-kit';
import { waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const PEER = join(__dirname, 'support', 'peer.ts');

interface Peer {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  /** Resolves with the first line matching, rejects after `ms`. */
  line(match: (l: string) => boolean, ms?: number): Promise<string>;
  kill(): Promise<void>;
}

const peers: Peer[] = [];

function startPeer(config: Record<string, unknown>): Peer {
  const child = spawn(process.execPath, ['--import', 'tsx', PEER], {
    cwd: ROOT,
    env: { ...process.env, PEER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    waiters.forEach((w) => w());
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const peer: Peer = {
    child,
    lines,
    exited,
    line: (match, ms = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const l = lines.find(match);
          if (l === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(l);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`peer: no matching line within ${ms} ms; got ${JSON.stringify(lines.slice(-30))}; stderr ${stderr.slice(-2000)}`));
        }, ms);
        waiters.add(check);
        check();
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  peers.push(peer);
  return peer;
}

const stored = (p: Peer) => p.lines.filter((l) => l.startsWith('stored ')).map((l) => Number(l.split(' ')[1]));

let server: TestServer;
const { make, closeAll } = clientFactory(() => server.url, { confirmation: { retransmitAfter: 150, maxProbeInterval: 400 } });
let dir: string;
const subs: Subscription[] = [];

beforeAll(async () => {
  server = await startEmulatorServer();
});
afterAll(() => server.close());
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rexsys-crash-'))));
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.kill()));
  subs.splice(0).forEach((s) => s.unsubscribe());
  closeAll();
  rmSync(dir, { recursive: true, force: true });
});

jest.setTimeout(40_000);

it('a sender killed (SIGKILL) twice while its receiver is offline and once while it is online: every message delivered exactly once, in order', async () => {
  const rnd = prng(SEED + 15);
  const path = join(dir, 'kiosk.store');
  const TO = 41;
  const base = { url: server.url, role: 'sender', path, to: TO, interval: 15 };
  let last = 0;
  const runUntilKilled = async (atLeast: number) => {
    const p = startPeer({ ...base, from: last + 1 });
    await p.line((l) => l.startsWith('restored '));
    const k = atLeast + Math.floor(rnd.next() * 6);
    await p.line((l) => l === `stored ${last + k}` || l === 'idle');
    // A random moment after that: 0–14 ms into the next send.
    await new Promise((r) => setTimeout(r, Math.floor(rnd.next() * 15)));
    await p.kill();
    last = Math.max(last, ...stored(p));
    return p;
  };
  // Receiver offline: two kills.
  await runUntilKilled(3);
  const second = await runUntilKilled(3);
  expect(Number(second.lines.find((l) => l.startsWith('restored '))!.split(' ')[1])).toBeGreaterThan(0);
  // Receiver online.
  const display = make('DISPLAY-KEY');
  const got = record(display.command$('n'));
  subs.push(got.sub);
  await runUntilKilled(4);
  const final = startPeer({ ...base, from: last + 1 });
  await final.line((l) => l === 'idle', 30_000);
  await waitFor(() => got.values.length >= TO - 1, { timeout: 5000 }).catch(() => undefined);
  const ns = got.values.map((m: RexsysMessage) => (m.data as { n: number }).n);
  expect(ns).toEqual(Array.from({ length: TO - 1 }, (_, i) => i + 1));
  expect(new Set(got.values.map((m) => m.id)).size).toBe(TO - 1);
});

it('a receiver killed mid-stream and restarted on its store: nothing lost, at most one duplicate', async () => {
  const rnd = prng(SEED + 16);
  const path = join(dir, 'display.store');
  const kiosk = make('KIOSK-KEY');
  await untilStatus(kiosk, 'ready');
  const N = 30;
  const receiver1 = startPeer({ url: server.url, role: 'receiver', path });
  await waitFor(async () => (await server.sessions()).some((s) => s.uid === 'display-01' && s.loggedIn), { timeout: 15_000 });
  const receipts: Array<Promise<unknown>> = [];
  let n = 1;
  const timer = setInterval(() => {
    if (n > N) return clearInterval(timer);
    receipts.push(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'n', data: { n: n++ } }, { delivery: 'confirmed' })));
  }, 20);
  const k = 5 + Math.floor(rnd.next() * 15);
  await receiver1.line((l) => l.startsWith(`got ${k} `));
  await new Promise((r) => setTimeout(r, Math.floor(rnd.next() * 20)));
  await receiver1.kill();
  const receiver2 = startPeer({ url: server.url, role: 'receiver', path });
  // Every send confirmed (by one receiver or the other), then a moment for the last lines.
  await waitFor(() => receipts.length === N, { timeout: 10_000 });
  await Promise.all(receipts);
  await receiver2.line((l) => l === 'state ready');
  await new Promise((r) => setTimeout(r, 100));
  const got = (p: Peer) => p.lines.filter((l) => l.startsWith('got ')).map((l) => Number(l.split(' ')[1]));
  const all = [...got(receiver1), ...got(receiver2)];
  const expected = Array.from({ length: N }, (_, i) => i + 1);
  // Each run in order; together everything; a duplicate only where the first run stopped.
  expect(got(receiver1)).toEqual(expected.slice(0, got(receiver1).length));
  expect([...new Set(all)]).toEqual(expected);
  expect(all.length - N).toBeLessThanOrEqual(1);
});

it('two processes on one store: the second is refused with E_STORE_LOCKED, the first goes on', async () => {
  const path = join(dir, 'display.store');
  const first = startPeer({ url: server.url, role: 'receiver', path });
  await waitFor(async () => (await server.sessions()).some((s) => s.uid === 'display-01' && s.loggedIn), { timeout: 15_000 });
  const second = startPeer({ url: server.url, role: 'receiver', path });
  expect(await second.line((l) => l.startsWith('locked '))).toBe('locked E_STORE_LOCKED');
  expect(await second.exited).toBe(3);
  const kiosk = make('KIOSK-KEY');
  await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'n', data: { n: 7 } }, { delivery: 'confirmed' }));
  await first.line((l) => l.startsWith('got 7 '));
});
