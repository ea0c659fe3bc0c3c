/**
 * The `{ rexsys: { result, server } }` envelope every REST answer of a Rexsys server
 * carries (docs/protocol.md, "Getting a token"), with the server block spelled as the real server spells it.
 */

/** `server` status words the emulator answers with. */
export type EnvelopeStatus = 'success' | 'fail' | 'error';

/** The `server` block. (`remote-addess` is spelled so by the real server.) */
export interface ServerBlock {
  readonly namespace: 'ide';
  readonly 'remote-addess': string;
  readonly runtime: number;
  readonly status: EnvelopeStatus;
  readonly timestamp: number;
  readonly version: '2.0';
  readonly message?: string;
}

/** A whole answer body. */
export interface Envelope {
  readonly rexsys: { readonly result: unknown; readonly server: ServerBlock };
}

/** What an envelope needs to know about the request it answers. */
export interface RequestInfo {
  /** The peer address, without the `::ffff:` IPv4-mapped prefix. */
  readonly remoteAddress: string;
  /** When handling started (`performance.now()` milliseconds). */
  readonly startedAt: number;
}

/** The `server` block for an answer. */
export function serverBlock(info: RequestInfo, status: EnvelopeStatus, message?: string): ServerBlock {
  return {
    namespace: 'ide',
    'remote-addess': info.remoteAddress,
    runtime: Math.round((performance.now() - info.startedAt) * 1000) / 1e6, // seconds, as Python's time diff
    status,
    timestamp: Math.floor(Date.now() / 1000),
    version: '2.0',
    ...(message !== undefined ? { message } : {}),
  };
}

/** A success answer carrying `result`. */
export function successEnvelope(info: RequestInfo, result: unknown): Envelope {
  return { rexsys: { result, server: serverBlock(info, 'success') } };
}

/** A refusal (`fail`) or error (`error`) answer: `result.message` and `server.message` say why. */
export function problemEnvelope(info: RequestInfo, status: 'fail' | 'error', message: string, extra: Record<string, unknown> = {}): Envelope {
  return { rexsys: { result: { message, ...extra }, server: serverBlock(info, status, message) } };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `'YYYY-MM-DD HH:MM:SS'` in the emulator's local time, as the real server writes `expire.datetime`. */
export function formatDatetime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
