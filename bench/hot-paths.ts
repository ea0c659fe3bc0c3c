/**
 * Micro-benchmarks of receive-path functions of the library, each beside the variant
 * bench/analysis.md proposes. Not part of `npm run bench`; run it on its own:
 *
 *   npx tsx bench/hot-paths.ts
 *
 * Each line is the median of 7 timed loops (CPU time per call, after a warm-up loop).
 * The proposed variants are copies kept here only for the comparison; once lib/ adopts
 * them, both lines of a pair measure the same thing.
 */
import * as t from 'io-ts';
import type { RexsysMessage } from '../lib/index.js';
import { decodeMessageData } from '../lib/operators/of-command.js';
import { TouidMessage, normaliseData } from '../lib/protocol/codecs.js';
import * as E from '../lib/protocol/either.js';
import { HELLO_EVENT, renameHello } from '../lib/protocol/hello-parser.js';
import { decodeWith } from '../lib/protocol/report.js';

function bench(name: string, n: number, fn: (i: number) => boolean): void {
  let hits = 0;
  for (let i = 0; i < Math.ceil(n / 10); i++) if (fn(i)) hits++;
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) if (fn(i)) hits++;
    const d = process.cpuUsage(t0);
    runs.push(((d.user + d.system) * 1000) / n);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(64)} ${runs[3].toFixed(0).padStart(7)} ns/call${hits < 0 ? '' : ''}`);
}

// ---------------------------------------------------------------------------------
// 1. renameHello (lib/protocol/hello-parser.ts) runs on every text packet of every
//    client. Its first line scans the whole packet for '"connect"' (indexOf) before the
//    structural checks, which on their own look at the namespace, the ack id and the
//    first characters of the array only.

/** The proposal: renameHello without the whole-packet indexOf pre-check. */
function renameHelloStructural(packet: string): string {
  if (packet.charCodeAt(0) !== 50 /* '2' */) return packet;
  let i = 1;
  if (packet.charCodeAt(i) === 47 /* / */) {
    const comma = packet.indexOf(',', i);
    if (comma === -1) return packet;
    i = comma + 1;
  }
  while (i < packet.length && packet.charCodeAt(i) >= 48 && packet.charCodeAt(i) <= 57) i++;
  if (packet.charCodeAt(i) !== 91 /* [ */) return packet;
  let j = i + 1;
  while (j < packet.length && (packet[j] === ' ' || packet[j] === '\n' || packet[j] === '\t' || packet[j] === '\r')) j++;
  if (!packet.startsWith('"connect"', j)) return packet;
  return `${packet.slice(0, j)}"${HELLO_EVENT}"${packet.slice(j + '"connect"'.length)}`;
}

for (const hello of [
  '2/io/demo/client,["connect",{"sid":"abc"}]',
  '2["connect",{"sid":"abc"}]',
  '2/io/demo/client,12[ "connect",{}]',
  '2/io/demo/client,["touid",{"command":"connect"}]',
]) {
  if (renameHello(hello) !== renameHelloStructural(hello)) throw new Error(`variants differ on ${hello}`);
}
for (const size of [100, 1_000, 10_000, 100_000]) {
  const items = Array.from({ length: Math.max(1, Math.floor(size / 40)) }, (_, i) => ({ id: i, label: `item ${i}`, on: true }));
  const packets = Array.from({ length: 64 }, (_, k) => `2/io/demo/client,${JSON.stringify(['touid', { command: 'show', data: { k, items } }])}`);
  const n = size >= 100_000 ? 20_000 : 300_000;
  bench(`renameHello, current, ${packets[0].length} B packet`, n, (i) => renameHello(packets[i & 63]) === packets[i & 63]);
  bench(`renameHello, structural check only, ${packets[0].length} B packet`, n, (i) => renameHelloStructural(packets[i & 63]) === packets[i & 63]);
}

// ---------------------------------------------------------------------------------
// 2. decodeMessageData (lib/operators/of-command.ts), per message of a command$ with a
//    codec: builds the error's source string ("<command>" data) and a copy of the
//    message for every message, also when the codec succeeds and returns `data` as is.

/** The proposal: the source string only on failure, no copy when the codec returns the same data. */
function decodeMessageDataLazy<A, O>(message: RexsysMessage, codec: t.Type<A, O, unknown>): E.Either<unknown, RexsysMessage<A>> {
  const result = codec.decode(message.data);
  if (result._tag === 'Right') return E.right(result.right === message.data ? (message as RexsysMessage<A>) : { ...message, data: result.right });
  const failed = decodeWith(codec, message.data, `"${message.command}" data`, message);
  return E.isLeft(failed) ? failed : E.right({ ...message, data: failed.right });
}

const Slide = t.type({ url: t.string, n: t.number, on: t.boolean });
const messages = Array.from(
  { length: 64 },
  (_, i) => JSON.parse(JSON.stringify({ command: 'cmd-0', data: { url: '/slides/intro', n: i, on: true }, sender: 'kiosk-01' })) as RexsysMessage,
);
bench('decodeMessageData(message, codec), current', 2_000_000, (i) => E.isRight(decodeMessageData(messages[i & 63], Slide)));
bench('decodeMessageData, lazy source string, no copy when unchanged', 2_000_000, (i) => E.isRight(decodeMessageDataLazy(messages[i & 63], Slide)));

// ---------------------------------------------------------------------------------
// 3. For reference: the touid decode of every message (lib/client/create-client.ts,
//    onTouid) beside a hand-written guard. The difference is small: not worth a change.

const isOptionalString = (v: unknown) => v === undefined || typeof v === 'string';
function touidGuard(payload: unknown): E.Either<unknown, RexsysMessage> {
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const p = payload as Record<string, unknown>;
    if (typeof p.command === 'string' && isOptionalString(p.sender) && isOptionalString(p.receiver) && isOptionalString(p.channel)) {
      const data = normaliseData(p.data);
      return E.right((data === p.data ? p : { ...p, data }) as unknown as RexsysMessage);
    }
  }
  return decodeWith(TouidMessage, payload, 'touid');
}
const payloads = messages.map((m) => ({ ...m, receiver: 'display-01', channel: 'client' }));
bench('decodeWith(TouidMessage, payload), current', 2_000_000, (i) => E.isRight(decodeWith(TouidMessage, payloads[i & 63], 'touid')));
bench('hand-written guard (io-ts only for the error report)', 2_000_000, (i) => E.isRight(touidGuard(payloads[i & 63])));
