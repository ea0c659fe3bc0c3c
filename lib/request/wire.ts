/**
 * The wire format of request/reply (docs/protocol.md, "Request and reply"). Both
 * messages are ordinary Rexsys messages under two reserved commands, normally carried
 * by confirmed delivery (so their `data` is inside the v1 message envelope):
 *
 * - a request: command {@link REQUEST_COMMAND}, data
 *   `{ "rexsys-rx:rpc": 1, kind: "request", id, command, timeout, data }`;
 * - a reply: command {@link REPLY_COMMAND}, data
 *   `{ "rexsys-rx:rpc": 1, kind: "reply", to, ok: true, data }` or
 *   `{ "rexsys-rx:rpc": 1, kind: "reply", to, ok: false, error: { message } }`.
 *
 * Parsing is total: any value maps to a request, a reply or `invalid` with a reason.
 */
import { ENVELOPE_LIMITS } from '../delivery/envelope.js';
import { REPLY_COMMAND, REQUEST_COMMAND, isRpcCommand } from '../protocol/reserved.js';

/**
 * The marker key of request/reply payloads; its value is the format version. Not the
 * delivery envelope's key: a plain (unconfirmed) request or reply must not be taken for
 * a broken delivery envelope.
 */
export const RPC_KEY = 'rexsys-rx:rpc';
/** The request/reply format version this library writes and reads. */
export const RPC_VERSION = 1;

export { REPLY_COMMAND, REQUEST_COMMAND };

/** Limits a received request or reply must respect. */
export const RPC_LIMITS = {
  /** Longest request id accepted. */
  idLength: ENVELOPE_LIMITS.idLength,
  /** Longest application command accepted. */
  commandLength: 256,
  /** Longest error message carried (longer ones are cut). */
  errorLength: 500,
  /** Largest `timeout` a request may announce (one day). */
  maxTimeout: 86_400_000,
} as const;

export interface RequestPayload {
  readonly [RPC_KEY]: typeof RPC_VERSION;
  readonly kind: 'request';
  /** Correlation id, chosen by the requester; the reply's `to`. */
  readonly id: string;
  /** The application's command. */
  readonly command: string;
  /** Ms the requester waits for the reply, from when it sent the request. */
  readonly timeout: number;
  /** The application's data (after the command's codec). */
  readonly data: unknown;
}

export type ReplyPayload =
  | { readonly [RPC_KEY]: typeof RPC_VERSION; readonly kind: 'reply'; readonly to: string; readonly ok: true; readonly data: unknown }
  | {
      readonly [RPC_KEY]: typeof RPC_VERSION;
      readonly kind: 'reply';
      readonly to: string;
      readonly ok: false;
      readonly error: { readonly message: string };
    };

export type ParsedRpc =
  | { readonly kind: 'request'; readonly payload: RequestPayload }
  | { readonly kind: 'reply'; readonly payload: ReplyPayload }
  | { readonly kind: 'invalid'; readonly reason: string };

export function requestPayload(fields: Omit<RequestPayload, typeof RPC_KEY | 'kind'>): RequestPayload {
  return { [RPC_KEY]: RPC_VERSION, kind: 'request', ...fields };
}

export function replyPayload(to: string, outcome: { ok: true; data: unknown } | { ok: false; message: string }): ReplyPayload {
  return outcome.ok
    ? { [RPC_KEY]: RPC_VERSION, kind: 'reply', to, ok: true, data: outcome.data }
    : { [RPC_KEY]: RPC_VERSION, kind: 'reply', to, ok: false, error: { message: outcome.message.slice(0, RPC_LIMITS.errorLength) } };
}

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

export { isRpcCommand };

/** Classifies the data of a message under a reserved command; never throws. */
export function parseRpc(command: string, data: unknown): ParsedRpc {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { kind: 'invalid', reason: `"${command}" without an object` };
  const r = data as Record<string, unknown>;
  if (r[RPC_KEY] !== RPC_VERSION) return { kind: 'invalid', reason: `unsupported version ${JSON.stringify(r[RPC_KEY])?.slice(0, 20)}` };
  if (command === REQUEST_COMMAND) {
    if (r.kind !== 'request') return { kind: 'invalid', reason: `"${REQUEST_COMMAND}" carrying kind ${String(r.kind).slice(0, 20)}` };
    if (!isText(r.id, RPC_LIMITS.idLength)) return { kind: 'invalid', reason: 'id is not a string of 1–128 characters' };
    if (!isText(r.command, RPC_LIMITS.commandLength)) return { kind: 'invalid', reason: 'command is not a string of 1–256 characters' };
    if (typeof r.timeout !== 'number' || !Number.isFinite(r.timeout) || r.timeout <= 0 || r.timeout > RPC_LIMITS.maxTimeout) {
      return { kind: 'invalid', reason: 'timeout is not a number of ms between 1 and one day' };
    }
    // `data` may be absent: JSON drops an undefined value.
    return { kind: 'request', payload: requestPayload({ id: r.id, command: r.command, timeout: r.timeout, data: r.data }) };
  }
  if (command !== REPLY_COMMAND) return { kind: 'invalid', reason: `"${command}" is not a request/reply command` };
  if (r.kind !== 'reply') return { kind: 'invalid', reason: `"${REPLY_COMMAND}" carrying kind ${String(r.kind).slice(0, 20)}` };
  if (!isText(r.to, RPC_LIMITS.idLength)) return { kind: 'invalid', reason: 'to is not a string of 1–128 characters' };
  if (r.ok === true) {
    // `data` may be absent: a handler that returned undefined (JSON drops it).
    return { kind: 'reply', payload: replyPayload(r.to, { ok: true, data: r.data }) };
  }
  if (r.ok === false) {
    const e = r.error as Record<string, unknown> | null | undefined;
    const message = typeof e === 'object' && e !== null && typeof e.message === 'string' ? e.message : 'the responder failed (no message)';
    return { kind: 'reply', payload: replyPayload(r.to, { ok: false, message }) };
  }
  return { kind: 'invalid', reason: 'ok is not a boolean' };
}
