/**
 * The benchmark's server: a Rexsys emulator in a child process, so that the parent's
 * `process.cpuUsage()` counts the client alone. The parent talks to it over the
 * fork IPC channel (see `ServerCommand` in `protocol.ts`):
 *
 * - `flood`: `emulator.inject(uid, { command, data })` `count` times, in chunks of
 *   `chunk` per `setImmediate` turn, commands taken round-robin from `commands`;
 * - `hold` / `release`: stop and restart the flow server → client through the gate
 *   (a TCP proxy in this process in front of the emulator), so a flood can be queued
 *   up and then delivered in one burst of large reads;
 * - `disconnect`: server-side disconnect of a uid;
 * - `close`: closes the emulator and lets the process exit.
 *
 * It also closes and exits when the parent goes away (IPC `disconnect`).
 */
import { startEmulator, startTcpProxy, type RexsysEmulator, type TcpProxy } from '../lib/emulator/index.js';
import { BENCH_PROJECT, BENCH_PROJECTS, type ServerCommand, type ServerReply } from './protocol.js';

let emulator: RexsysEmulator | undefined;
/** A proxy in front of the emulator whose server → client flow can be held back. */
let gate: TcpProxy | undefined;
let closing = false;

function reply(message: ServerReply): void {
  if (process.connected) process.send?.(message);
}

/** Injects `count` touid messages to `uid` without starving the event loop. */
function flood(uid: string, count: number, commands: readonly string[], chunk: number): Promise<number> {
  const em = emulator;
  if (!em) return Promise.reject(new Error('emulator not started'));
  // One payload object per command, its `n` rewritten per message (the emit copies it out).
  const payloads = commands.map((command) => ({ command, data: { url: '/slides/intro', n: 0, on: true } }));
  return new Promise((resolve) => {
    let sent = 0;
    let reached = 0;
    const step = () => {
      const end = Math.min(count, sent + chunk);
      for (; sent < end; sent++) {
        const p = payloads[sent % payloads.length];
        p.data.n = sent;
        reached = em.inject(uid, p);
      }
      if (sent < count) setImmediate(step);
      else resolve(reached);
    };
    step();
  });
}

async function handle(cmd: ServerCommand): Promise<void> {
  try {
    switch (cmd.type) {
      case 'flood': {
        const sockets = await flood(cmd.uid, cmd.count, cmd.commands, cmd.chunk ?? 200);
        reply({ id: cmd.id, ok: true, sockets });
        return;
      }
      case 'hold':
        gate?.hold();
        reply({ id: cmd.id, ok: true });
        return;
      case 'release':
        gate?.release();
        reply({ id: cmd.id, ok: true });
        return;
      case 'disconnect':
        reply({ id: cmd.id, ok: true, sockets: emulator?.disconnect(cmd.uid) ?? 0 });
        return;
      case 'close':
        await shutdown();
        reply({ id: cmd.id, ok: true });
        process.disconnect?.();
        return;
    }
  } catch (e) {
    reply({ id: cmd.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
}

async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await gate?.close();
  gate = undefined;
  await emulator?.close();
  emulator = undefined;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/server.ts runs as a forked child of bench/index.ts');
  process.on('message', (m) => void handle(m as ServerCommand));
  process.on('disconnect', () => void shutdown());
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', projects: BENCH_PROJECTS });
  gate = await startTcpProxy(emulator.port);
  reply({ id: 0, ok: true, url: emulator.url, port: emulator.port, gateUrl: gate.url, project: BENCH_PROJECT, pid: process.pid });
}

main().catch((e: unknown) => {
  console.error('bench server failed:', e);
  process.exitCode = 1;
  process.disconnect?.();
});
