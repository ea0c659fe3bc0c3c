/**
 * The fix for the `connect` trap (DESIGN §1.3).
 *
 * A Rexsys server greets every socket with an event literally named `connect`
 * carrying `{ sid }`. Current socket.io-parser refuses incoming events with reserved
 * names (`invalid payload`), so socket.io-client drops the connection and reconnects,
 * forever. This decoder renames that one event to {@link HELLO_EVENT} before the
 * packet is validated; every other packet goes through untouched.
 *
 * Use it as socket.io-client's `parser` option:
 * ```ts
 * io(url, { parser: helloParser });
 * socket.on(HELLO_EVENT, ({ sid }) => …);
 * ```
 */
import { Decoder, Encoder, PacketType, protocol } from 'socket.io-parser';

/** The name the server's `connect` hello is delivered under. */
export const HELLO_EVENT = 'rexsys:hello';

const EVENT = 50; // '2': an EVENT packet (binary events, '5', are left alone)
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const HELLO_JSON = '"connect"';

/**
 * Returns the packet string with an incoming `connect` event renamed to
 * {@link HELLO_EVENT}, or the same string when it is anything else.
 * Packet layout: `2[/nsp,][ackId][json]`.
 */
export function renameHello(packet: string): string {
  if (packet.charCodeAt(0) !== EVENT || packet.indexOf(HELLO_JSON) === -1) return packet;
  let i = 1;
  if (packet.charCodeAt(i) === 47 /* / */) {
    const comma = packet.indexOf(',', i);
    if (comma === -1) return packet;
    i = comma + 1;
  }
  while (i < packet.length && packet.charCodeAt(i) >= DIGIT_0 && packet.charCodeAt(i) <= DIGIT_9) i++;
  if (packet.charCodeAt(i) !== 91 /* [ */) return packet;
  let j = i + 1;
  while (j < packet.length && (packet[j] === ' ' || packet[j] === '\n' || packet[j] === '\t' || packet[j] === '\r')) j++;
  if (!packet.startsWith(HELLO_JSON, j)) return packet;
  return `${packet.slice(0, j)}"${HELLO_EVENT}"${packet.slice(j + HELLO_JSON.length)}`;
}

/** A socket.io-parser `Decoder` that applies {@link renameHello} to every text packet. */
export class HelloDecoder extends Decoder {
  override add(obj: unknown): void {
    super.add(typeof obj === 'string' ? renameHello(obj) : obj);
  }
}

/** socket.io-client's `parser` option: the standard parser with {@link HelloDecoder}. */
export const helloParser = { protocol, PacketType, Encoder, Decoder: HelloDecoder };
