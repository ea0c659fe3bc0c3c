import type { ClientEvent } from './events.js';

/** Outcomes of the sends over one transport. */
export interface SendCounts {
  /** Succeeded (a socket send acked by the server, or a REST send answered with success). */
  readonly ok: number;
  /** Failed, whatever the code. */
  readonly failed: number;
}

/** What `client.metrics()` returns: counters since the client was made, and gauges now. */
export interface ClientMetrics {
  /** `touid` messages decoded and handed to the streams. */
  readonly messagesIn: number;
  /** Payloads that failed to decode (messages, command data, hellos). */
  readonly decodeFailures: number;
  /** Sends by transport and outcome. */
  readonly sends: { readonly socket: SendCounts; readonly rest: SendCounts };
  /** Connection attempts (after the first). */
  readonly reconnects: number;
  /** Successful logins. */
  readonly logins: number;
  /** Productkeys exchanged for a token. */
  readonly certifies: number;
  /** Heartbeat round trips (ms): probes answered, the last, and a summary of the latest 64. */
  readonly heartbeat: HeartbeatSummary;
  /** Gauge: socket sends waiting for a logged-in socket. */
  readonly outboxQueued: number;
  /** Gauge: socket sends emitted and waiting for their ack. */
  readonly outboxInflight: number;
}

/** Heartbeat round-trip times in ms; `undefined` before the first answered probe. */
export interface HeartbeatSummary {
  readonly probes: number;
  readonly last: number | undefined;
  readonly p50: number | undefined;
  readonly p90: number | undefined;
  readonly max: number | undefined;
}

/** The counters of {@link ClientMetrics} (the gauges and the heartbeat summary are computed when asked). */
export type MetricCounters = Omit<ClientMetrics, 'outboxQueued' | 'outboxInflight' | 'heartbeat'> & {
  /** The latest heartbeat round trips (at most {@link RTT_WINDOW}), oldest first, and how many there were in all. */
  readonly rtts: readonly number[];
  readonly probes: number;
};

/** How many heartbeat round trips the summary covers. */
export const RTT_WINDOW = 64;

/** The summary of the latest round trips (nearest-rank percentiles). Pure. */
export function summariseRtts(rtts: readonly number[], probes: number): HeartbeatSummary {
  if (rtts.length === 0) return { probes, last: undefined, p50: undefined, p90: undefined, max: undefined };
  const sorted = [...rtts].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { probes, last: rtts[rtts.length - 1], p50: rank(0.5), p90: rank(0.9), max: sorted[sorted.length - 1] };
}

export const INITIAL_COUNTERS: MetricCounters = Object.freeze({
  messagesIn: 0,
  decodeFailures: 0,
  sends: Object.freeze({ socket: Object.freeze({ ok: 0, failed: 0 }), rest: Object.freeze({ ok: 0, failed: 0 }) }),
  reconnects: 0,
  logins: 0,
  certifies: 0,
  rtts: Object.freeze([]),
  probes: 0,
});

const bump = (m: MetricCounters, via: 'socket' | 'rest', outcome: keyof SendCounts): MetricCounters => ({
  ...m,
  sends: { ...m.sends, [via]: { ...m.sends[via], [outcome]: m.sends[via][outcome] + 1 } },
});

/** Folds one event into the counters. Pure. */
export function foldMetrics(m: MetricCounters, event: ClientEvent): MetricCounters {
  switch (event.type) {
    case 'messageReceived':
      return { ...m, messagesIn: m.messagesIn + 1 };
    case 'decodeFailed':
      return { ...m, decodeFailures: m.decodeFailures + 1 };
    case 'sendAcked':
      return bump(m, event.via, 'ok');
    case 'sendFailed':
      return bump(m, event.via, 'failed');
    case 'retryScheduled':
      return { ...m, reconnects: m.reconnects + 1 };
    case 'loginOk':
      return { ...m, logins: m.logins + 1 };
    case 'certified':
      return { ...m, certifies: m.certifies + 1 };
    case 'heartbeat':
      return { ...m, probes: m.probes + 1, rtts: [...m.rtts.slice(m.rtts.length >= RTT_WINDOW ? 1 : 0), event.rtt] };
    default:
      return m;
  }
}
