/**
 * The wire format of confirmed delivery, version 1 (docs/protocol.md, "Confirmed
 * delivery"). Both messages travel inside the normal `request` / REST send, so the
 * server needs nothing new:
 *
 * - a confirmed message keeps its own `command`; its `data` is the envelope
 *   `{ "rexsys-rx": 1, kind: "message", epoch, seq, floor, id, expires, data }`;
 * - a confirmation is the command {@link CONFIRM_COMMAND} with `data`
 *   `{ "rexsys-rx": 1, kind: "confirm", epoch, upTo }`.
 *
 * Parsing is total: any value maps to `plain` (not ours), a valid envelope, or
 * `invalid` with a reason; it never throws.
 */

import { CONFIRM_COMMAND, ENVELOPE_KEY } from '../protocol/reserved.js';

export { CONFIRM_COMMAND, ENVELOPE_KEY };
/** The format version this library writes and reads. */
export const ENVELOPE_VERSION = 1;

/** Limits a received envelope must respect (larger values are forged or broken). */
export const ENVELOPE_LIMITS = {
  /** Longest `epoch` accepted. */
  epochLength: 64,
  /** Longest `id` accepted. */
  idLength: 128,
} as const;

/** A confirmed message's envelope, as on the wire. */
export interface MessageEnvelope {
  readonly [ENVELOPE_KEY]: typeof ENVELOPE_VERSION;
  readonly kind: 'message';
  /** The sending client instance: a new random value each time a client is created. */
  readonly epoch: string;
  /** Position in the sender's stream to this receiver (per epoch), from 0. */
  readonly seq: number;
  /** Every seq below this one is settled at the sender (confirmed or given up). */
  readonly floor: number;
  /** The message id (the `id` of the receipt and of the received message). */
  readonly id: string;
  /** Deadline, ms since the Unix epoch (sender's clock). */
  readonly expires: number;
  /** The application's data, exactly as given (after the command's codec, if any). */
  readonly data: unknown;
}

/** A confirmation, as on the wire. */
export interface ConfirmEnvelope {
  readonly [ENVELOPE_KEY]: typeof ENVELOPE_VERSION;
  readonly kind: 'confirm';
  /** The epoch of the sender being confirmed. */
  readonly epoch: string;
  /** Every seq below `upTo` was handed to the receiving application (or given up by the sender). */
  readonly upTo: number;
}

export type ParsedEnvelope =
  | { readonly kind: 'plain' }
  | { readonly kind: 'message'; readonly envelope: MessageEnvelope }
  | { readonly kind: 'confirm'; readonly envelope: ConfirmEnvelope }
  | { readonly kind: 'invalid'; readonly reason: string };

export function messageEnvelope(fields: Omit<MessageEnvelope, typeof ENVELOPE_KEY | 'kind'>): MessageEnvelope {
  // Field by field (one per message on the send path): a literal with a spread in it is copied slowly.
  const { epoch, seq, floor, id, expires, data } = fields;
  return { 'rexsys-rx': ENVELOPE_VERSION, kind: 'message', epoch, seq, floor, id, expires, data };
}

export function confirmEnvelope(epoch: string, upTo: number): ConfirmEnvelope {
  return { 'rexsys-rx': ENVELOPE_VERSION, kind: 'confirm', epoch, upTo };
}

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/**
 * Classifies a received message by its `command` and (normalised) `data`. Data
 * without the marker key is `plain`, except under the reserved confirm command,
 * which is always ours.
 */
export function parseEnvelope(command: string, data: unknown): ParsedEnvelope {
  const isConfirmCommand = command === CONFIRM_COMMAND;
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !(ENVELOPE_KEY in data)) {
    return isConfirmCommand ? { kind: 'invalid', reason: `"${CONFIRM_COMMAND}" without an envelope` } : { kind: 'plain' };
  }
  const r = data as Record<string, unknown>;
  if (r[ENVELOPE_KEY] !== ENVELOPE_VERSION) return { kind: 'invalid', reason: `unsupported envelope version ${JSON.stringify(r[ENVELOPE_KEY])?.slice(0, 20)}` };
  if (!isText(r.epoch, ENVELOPE_LIMITS.epochLength)) return { kind: 'invalid', reason: 'epoch is not a string of 1–64 characters' };
  if (isConfirmCommand) {
    if (r.kind !== 'confirm') return { kind: 'invalid', reason: `"${CONFIRM_COMMAND}" carrying kind ${String(r.kind).slice(0, 20)}` };
    if (!isSeq(r.upTo)) return { kind: 'invalid', reason: 'upTo is not a safe non-negative integer' };
    return { kind: 'confirm', envelope: confirmEnvelope(r.epoch, r.upTo) };
  }
  if (r.kind !== 'message') return { kind: 'invalid', reason: `kind ${String(r.kind).slice(0, 20)} outside "${CONFIRM_COMMAND}"` };
  if (!isSeq(r.seq) || !isSeq(r.floor)) return { kind: 'invalid', reason: 'seq/floor are not safe non-negative integers' };
  if (r.floor > r.seq) return { kind: 'invalid', reason: 'floor above seq' };
  if (!isText(r.id, ENVELOPE_LIMITS.idLength)) return { kind: 'invalid', reason: 'id is not a string of 1–128 characters' };
  if (typeof r.expires !== 'number' || !Number.isFinite(r.expires)) return { kind: 'invalid', reason: 'expires is not a number' };
  if (!('data' in r)) return { kind: 'invalid', reason: 'no data' };
  // Checked field by field above: the received object is the envelope (read, never changed).
  return { kind: 'message', envelope: r as unknown as MessageEnvelope };
}
