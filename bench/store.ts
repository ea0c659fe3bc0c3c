/**
 * `npx tsx bench/store.ts [N]`: receiving confirmed messages with a file store vs in
 * memory (the receiver's store writes are gathered per turn of the event loop, off the
 * receive path). Both ends in this process, on the emulator; 64 sends in flight.
 * Prints ms and CPU µs per delivered message for each, twice, alternating.
 * (Not yet a section of `npm run bench`: see the durable outbox's report.)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { createRexsysClient, type RexsysClient } from '../lib/index';
import { fileStore } from '../lib/node/index';
import { startEmulator } from '../lib/emulator/index';

const N = Number(process.argv[2] ?? 2000);
const PROJECTS = { demo: { 'KIOSK-KEY': 'kiosk-01', 'DISPLAY-KEY': 'display-01' } };

async function ready(c: RexsysClient): Promise<void> {
  await firstValueFrom(c.state$.pipe(mergeMap((s) => (s.status === 'ready' ? [s] : []))));
}

async function round(url: string, withStore: boolean, dir: string): Promise<{ ms: number; cpu: number; bytes?: number }> {
  const path = join(dir, `display-${Date.now()}.store`);
  const common = { url, project: 'demo', gracePeriod: 50, socket: { transports: ['websocket' as const] } };
  const display = createRexsysClient({ ...common, productkey: 'DISPLAY-KEY', ...(withStore ? { store: fileStore(path) } : {}) });
  const kiosk = createRexsysClient({ ...common, productkey: 'KIOSK-KEY' });
  let got = 0;
  const sub = display.command$('n').subscribe(() => got++);
  await Promise.all([ready(display), ready(kiosk)]);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await lastValueFrom(
    from(Array.from({ length: N }, (_, i) => i)).pipe(
      mergeMap((n) => kiosk.send({ receiver: 'display-01', command: 'n', data: { n } }, { delivery: 'confirmed' }), 64),
      toArray(),
    ),
  );
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  if (got !== N) throw new Error(`received ${got} of ${N}`);
  sub.unsubscribe();
  kiosk.close();
  display.close();
  return { ms, cpu: c.user + c.system, bytes: withStore ? statSync(path).size : undefined };
}

void (async () => {
  const emu = await startEmulator({ port: 0, projects: PROJECTS });
  const dir = mkdtempSync(join(tmpdir(), 'rexsys-bench-store-'));
  try {
    for (let i = 0; i < 2; i++) {
      for (const withStore of [false, true]) {
        const r = await round(emu.url, withStore, dir);
        console.log(
          `${withStore ? 'fileStore' : 'memory   '}  ${N} confirmed messages, 64 in flight: ${(r.ms / N).toFixed(3)} ms/msg, ` +
            `${((r.cpu / N) | 0).toString()} µs CPU/msg (both ends)${r.bytes !== undefined ? `, store file ${r.bytes} bytes after close` : ''}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emu.close();
  }
})();
