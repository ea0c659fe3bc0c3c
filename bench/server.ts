/**
 * The benchmark's server, forked by bench/harness.ts: a Rexsys emulator in a child process,
 * so the parent's `process.cpuUsage()` counts the clients alone, and a TCP proxy in front
 * of it (the gate) whose server → client flow can be held back and released in one burst.
 * Commands come over the IPC channel (`ServerCommand`); it exits when the parent goes away.
 */
import { startEmulator, startTcpProxy, type RexsysEmulator, type TcpProxy } from '../lib/emulator/index.js';
import { BENCH_PROJECT, BENCH_UIDS, keyOf, type ServerCommand, type ServerReply } from './harness.js';

let emulator: RexsysEmulator | undefined;
let gate: TcpProxy | undefined;

const reply = (message: ServerReply) => void (process.connected && process.send?.(message));

/** Injects `count` touid messages, 200 per turn of the event loop, `n` counting up. */
function flood(em: RexsysEmulator, uid: string, count: number, commands: readonly string[]): Promise<void> {
  const payloads = commands.map((command) => ({ command, data: { url: '/slides/intro', n: 0, on: true } }));
  return new Promise((resolve) => {
    let sent = 0;
    const step = () => {
      for (const end = Math.min(count, sent + 200); sent < end; sent++) {
        const p = payloads[sent % payloads.length];
        p.data.n = sent;
        em.inject(uid, p);
      }
      if (sent < count) setImmediate(step);
      else resolve();
    };
    step();
  });
}

async function shutdown(): Promise<void> {
  const [g, em] = [gate, emulator];
  gate = emulator = undefined;
  await g?.close();
  await em?.close();
}

async function handle(cmd: ServerCommand): Promise<void> {
  try {
    if (cmd.flood) await flood(emulator!, cmd.flood.uid, cmd.flood.count, cmd.flood.commands);
    else if (cmd.type === 'hold') gate?.hold();
    else if (cmd.type === 'release') gate?.release();
    else await shutdown();
    reply({ id: cmd.id });
    if (cmd.type === 'close') process.disconnect?.();
  } catch (e) {
    reply({ id: cmd.id, error: e instanceof Error ? e.message : String(e) });
  }
}

async function main(): Promise<void> {
  process.on('message', (m: ServerCommand) => void handle(m));
  process.on('disconnect', () => void shutdown());
  const keys = Object.fromEntries(BENCH_UIDS.map((uid) => [keyOf(uid), uid]));
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', projects: { [BENCH_PROJECT]: keys } });
  gate = await startTcpProxy(emulator.port);
  reply({ id: 0, url: emulator.url, port: emulator.port, gateUrl: gate.url });
}

main().catch((e: unknown) => {
  reply({ id: 0, error: `bench server failed: ${String(e)}` });
  process.disconnect?.();
});
