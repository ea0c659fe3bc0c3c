/**
 * Sequential socket sends of ONE client kind per process (no alternation with the other in
 * the same process, unlike `npm run bench`): where bench/analysis.md ("Sends") separates what
 * the library costs from what alternating two clients in one process costs.
 *
 *   npm run build && npx tsx bench/solo-send.ts lib [ROUNDS]   # or: bare; 4 rounds unless given
 *
 * With `node --trace-opt --import tsx bench/solo-send.ts lib 10`, what V8 still optimises in each round.
 */
import { loadLibrary } from './clients.js';
import { startServer } from './harness.js';
import { libPair, libSend, rawPair, sendRun } from './send.js';

async function main(kind: string | undefined, rounds = 4): Promise<void> {
  if ((kind !== 'lib' && kind !== 'bare') || !(rounds >= 1)) throw new Error('usage: npx tsx bench/solo-send.ts lib|bare [ROUNDS]');
  loadLibrary(true);
  const server = await startServer();
  const [lib, raw] = [await libPair(server.url), await rawPair(server.url)];
  const [send, arrivals] = kind === 'lib' ? [libSend(lib.tx, { via: 'socket' }), lib.arrivals] : [raw.emit, raw.arrivals];
  const n = 3000;
  try {
    for (let round = 0; round < rounds; round++) {
      const cpu = process.cpuUsage();
      await sendRun(send, arrivals, n, { window: 1 });
      const { user, system } = process.cpuUsage(cpu);
      // The first round warms up (JIT, socket buffers).
      console.log(
        `${kind} round ${round}${round === 0 ? ' (warm-up)' : ''}: user ${(user / n).toFixed(1)} µs, system ${(system / n).toFixed(1)} µs per message`,
      );
    }
  } finally {
    lib.close();
    raw.close();
    await server.close();
  }
}

main(process.argv[2], process.argv[3] === undefined ? undefined : Number(process.argv[3])).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
