/**
 * The fix for the `connect` trap (docs/protocol.md, "The `connect` trap and the fix").
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
const SLASH = 47;
const BRACKET = 91;
const QUOTE = 34;
const BACKSLASH = 92;

/** socket.io-parser's own test for an ack-id character (it accepts whitespace too). */
// eslint-disable-next-line eqeqeq
const isAckChar = (c: string) => c !== '' && Number(c) == (c as unknown as number);

/**
 * Returns the packet string with an incoming `connect` event renamed to
 * {@link HELLO_EVENT}, or the same string when it is anything else. The header is
 * read exactly as socket.io-parser reads it (`2[/nsp,][ackId][json]`), and only the
 * event name is looked at, so the cost does not grow with the payload.
 */
export function renameHello(packet: string): string {
  if (packet.charCodeAt(0) !== EVENT) return packet;
  let i = 1;
  if (packet.charCodeAt(i) === SLASH) {
    const comma = packet.indexOf(',', i);
    if (comma === -1) return packet;
    i = comma + 1;
  }
  while (i < packet.length && isAckChar(packet[i])) i++;
  if (packet.charCodeAt(i) !== BRACKET) return packet;
  let j = i + 1;
  while (j < packet.length && (packet[j] === ' ' || packet[j] === '\n' || packet[j] === '\t' || packet[j] === '\r')) j++;
  if (packet.charCodeAt(j) !== QUOTE) return packet;
  // The event name: a JSON string, possibly with escapes.
  let k = j + 1;
  let escaped = false;
  while (k < packet.length && packet.charCodeAt(k) !== QUOTE) {
    if (packet.charCodeAt(k) === BACKSLASH) {
      escaped = true;
      k++;
    }
    k++;
  }
  if (k >= packet.length) return packet;
  const raw = packet.slice(j, k + 1);
  let name: unknown = raw === '"connect"' ? 'connect' : undefined;
  if (name === undefined && escaped) {
    try {
      name = JSON.parse(raw);
    } catch {
      return packet;
    }
  }
  if (name !== 'connect') return packet;
  return `${packet.slice(0, j)}"${HELLO_EVENT}"${packet.slice(k + 1)}`;
}

/** A socket.io-parser `Decoder` that applies {@link renameHello} to every text packet. */
export class HelloDecoder extends Decoder {
  override add(obj: unknown): void {
    super.add(typeof obj === 'string' ? renameHello(obj) : obj);
  }
}

/** socket.io-client's `parser` option: the standard parser with {@link HelloDecoder}. */
export const helloParser = { protocol, PacketType, Encoder, Decoder: HelloDecoder };
