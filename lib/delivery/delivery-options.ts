/** Options and defaults of confirmed delivery (see docs/guide.md, "Delivery guarantees"). */

/**
 * What a send's receipt means: `'server'` — the server took it (today's meaning);
 * `'confirmed'` — the receiving client handed it to its application and confirmed it.
 */
export type DeliveryMode = 'server' | 'confirmed';

/** Tuning of confirmed delivery (client option `confirmation`). Every field is optional. */
export interface ConfirmedDeliveryOptions {
  /** Default ms a confirmed send may wait for its confirmation before `E_UNCONFIRMED`. @default 60000 */
  readonly ttl?: number;
  /** Ms without a confirmation before the oldest pending message is sent again and probing starts. @default 1000 */
  readonly retransmitAfter?: number;
  /** Longest interval between two probes of a silent receiver (doubling from `retransmitAfter`). @default 8000 */
  readonly maxProbeInterval?: number;
  /** Messages per receiver that may be on the wire past the oldest unconfirmed one; also the receiver's reorder window. @default 256 */
  readonly window?: number;
  /** Ms a receiver gathers confirmations before sending one per sender (at once after a quiet spell, for a lone message, or when half of what the sender has in flight is handed over). @default 5 */
  readonly confirmDelay?: number;
  /** Ms a message may arrive past its deadline (sender's clock) and still be handed over. @default 10000 */
  readonly skewTolerance?: number;
  /** Ms after which a receiver forgets a silent sender instance (its window and reorder buffer). @default 600000 */
  readonly senderIdleExpiry?: number;
  /** Sender instances a receiver tracks at once; the least recently heard is forgotten first. @default 1024 */
  readonly maxSenders?: number;
}

export type ResolvedDeliveryOptions = Required<ConfirmedDeliveryOptions>;

export const DELIVERY_DEFAULTS: ResolvedDeliveryOptions = {
  ttl: 60_000,
  retransmitAfter: 1_000,
  maxProbeInterval: 8_000,
  window: 256,
  confirmDelay: 5,
  skewTolerance: 10_000,
  senderIdleExpiry: 600_000,
  maxSenders: 1_024,
};

/** Fills the defaults in; values that cannot work (≤ 0, not finite where needed) fall back to them. */
export function resolveDeliveryOptions(o: ConfirmedDeliveryOptions = {}): ResolvedDeliveryOptions {
  const pick = (k: keyof ConfirmedDeliveryOptions, min: number): number => {
    const v = o[k];
    return typeof v === 'number' && v >= min && !Number.isNaN(v) ? v : DELIVERY_DEFAULTS[k];
  };
  const retransmitAfter = pick('retransmitAfter', 1);
  return {
    ttl: pick('ttl', 1),
    retransmitAfter,
    maxProbeInterval: Math.max(pick('maxProbeInterval', 1), retransmitAfter),
    window: Math.floor(pick('window', 1)),
    confirmDelay: pick('confirmDelay', 0),
    skewTolerance: pick('skewTolerance', 0),
    senderIdleExpiry: pick('senderIdleExpiry', 1),
    maxSenders: Math.floor(pick('maxSenders', 1)),
  };
}
