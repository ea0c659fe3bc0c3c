/**
 * Shared machinery of the benchmark: the server child, forced GC, a message sink that
 * resolves when enough messages arrived, statistics and small async helpers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { ServerCommand, ServerReply, ServerRequest } from './protocol.js';

// ---------------------------------------------------------------------------------
// Forced GC without needing `node --expose-gc` on the command line.

let gcFn: (() => void) | undefined;
/** A full, synchronous garbage collection. */
export function forceGc(): void {
  if (!gcFn) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFn = exposed;
    else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}

/** Two full GCs with a macrotask in between (lets weak callbacks and finalizers run). */
export async function settleHeap(): Promise<number> {
  forceGc();
  await tick();
  forceGc();
  return process.memoryUsage().heapUsed;
}

// ---------------------------------------------------------------------------------
// Async helpers.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Rejects after `ms` unless `promise` settles first; the timer never outlives the race. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Progress lines go to stderr, so `--json` output on stdout stays clean. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------
// The server child.

export interface BenchServer {
  /** The emulator's own origin. */
  readonly url: string;
  readonly port: number;
  /** The origin of the gate: a proxy in the child in front of the emulator (see hold/release). */
  readonly gateUrl: string;
  readonly project: string;
  readonly pid: number;
  /** Injects `count` touid messages to `uid`, commands round-robin; resolves when all were emitted. */
  flood(uid: string, count: number, commands: readonly string[]): Promise<number>;
  /** Holds back everything the server writes to clients connected through the gate. */
  hold(): Promise<void>;
  /** Lets it through again, in a burst. */
  release(): Promise<void>;
  /** Server-side disconnect of `uid`. */
  disconnect(uid: string): Promise<number>;
  /** Closes the emulator and waits for the child to exit. */
  close(): Promise<void>;
}

type Pending = { resolve: (r: ServerReply) => void; reject: (e: Error) => void };

export function startServer(): Promise<BenchServer> {
  const script = path.join(__dirname, 'server.ts');
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  // Only the tsx loader: none of the parent's flags (e.g. --cpu-prof) reach the child.
  const child: ChildProcess = fork(script, [], { execArgv: ['--import', tsx], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error('the bench server exited'));
    pending.clear();
  });

  const call = (cmd: ServerRequest): Promise<ServerReply> =>
    new Promise((resolve, reject) => {
      if (exited || !child.connected) return reject(new Error('the bench server is not running'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ ...cmd, id } satisfies ServerCommand);
    });

  const ok = (r: ServerReply): Extract<ServerReply, { ok: true }> => {
    if (!r.ok) throw new Error(`bench server: ${r.error}`);
    return r;
  };

  return new Promise((resolve, reject) => {
    const onStartExit = () => reject(new Error('the bench server exited before it was ready'));
    child.once('exit', onStartExit);
    child.on('message', (m) => {
      const r = m as ServerReply;
      if (r.id === 0) {
        child.off('exit', onStartExit);
        const started = ok(r);
        resolve({
          url: started.url as string,
          port: started.port as number,
          gateUrl: started.gateUrl as string,
          project: started.project as string,
          pid: started.pid as number,
          flood: async (uid, count, commands) => ok(await call({ type: 'flood', uid, count, commands })).sockets ?? 0,
          hold: async () => void ok(await call({ type: 'hold' })),
          release: async () => void ok(await call({ type: 'release' })),
          disconnect: async (uid) => ok(await call({ type: 'disconnect', uid })).sockets ?? 0,
          close: async () => {
            if (exited) return;
            try {
              await withTimeout(call({ type: 'close' }), 5_000, 'bench server close');
            } catch {
              /* fall through to the kill below */
            }
            if (!exited && child.connected) child.disconnect();
            const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            await exit;
            clearTimeout(killer);
          },
        });
        return;
      }
      const p = pending.get(r.id);
      if (p) {
        pending.delete(r.id);
        p.resolve(r);
      }
    });
  });
}

// ---------------------------------------------------------------------------------
// Counting received messages.

/**
 * Counts messages and resolves `until(n)` once `n` more have arrived. `hit` is the
 * only thing a benchmark listener does per message (no JSON, no allocation).
 */
export class Sink {
  count = 0;
  private target = Infinity;
  private resolveTarget: (() => void) | undefined;

  readonly hit = (): void => {
    if (++this.count === this.target) {
      const r = this.resolveTarget;
      this.resolveTarget = undefined;
      this.target = Infinity;
      r?.();
    }
  };

  /** Resolves when `n` more messages than now have arrived (rejects after `ms`). */
  until(n: number, ms: number, what: string): Promise<void> {
    if (n <= 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => {
      this.target = this.count + n;
      this.resolveTarget = resolve;
    });
    return withTimeout(done, ms, `${what}: waiting for ${n} messages (got ${this.count})`);
  }
}

// ---------------------------------------------------------------------------------
// Statistics.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1];
}

export function min(xs: readonly number[]): number {
  return xs.length ? Math.min(...xs) : NaN;
}

export function max(xs: readonly number[]): number {
  return xs.length ? Math.max(...xs) : NaN;
}

/** CPU time (user + system) of this process in microseconds since `since`. */
export function cpuSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}
