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

/** How many heartbeat round trips the summary covers. */
export const RTT_WINDOW = 64;

/** The summary of round trips (nearest-rank percentiles over `rtts`, oldest first). Pure. */
export function summariseRtts(rtts: readonly number[], probes: number): HeartbeatSummary {
  if (rtts.length === 0) return { probes, last: undefined, p50: undefined, p90: undefined, max: undefined };
  const sorted = [...rtts].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { probes, last: rtts[rtts.length - 1], p50: rank(0.5), p90: rank(0.9), max: sorted[sorted.length - 1] };
}

/**
 * Counts {@link ClientEvent}s for `client.metrics()`. Metrics are not state: counting is
 * on the receive path, so it increments fields in place (no object per message) and
 * `snapshot()` copies them out when asked.
 */
export class MetricsRecorder {
  private messagesIn = 0;
  private decodeFailures = 0;
  private socketOk = 0;
  private socketFailed = 0;
  private restOk = 0;
  private restFailed = 0;
  private reconnects = 0;
  private logins = 0;
  private certifies = 0;
  private probes = 0;
  private readonly rtts: number[] = [];

  /** Counts one event. */
  record(event: ClientEvent): void {
    switch (event.type) {
      case 'messageReceived':
        this.messagesIn++;
        return;
      case 'decodeFailed':
        this.decodeFailures++;
        return;
      case 'sendAcked':
        if (event.via === 'socket') this.socketOk++;
        else this.restOk++;
        return;
      case 'sendFailed':
        if (event.via === 'socket') this.socketFailed++;
        else this.restFailed++;
        return;
      case 'retryScheduled':
        this.reconnects++;
        return;
      case 'loginOk':
        this.logins++;
        return;
      case 'certified':
        this.certifies++;
        return;
      case 'heartbeat':
        this.probes++;
        if (this.rtts.length >= RTT_WINDOW) this.rtts.shift();
        this.rtts.push(event.rtt);
        return;
      default:
        return;
    }
  }

  /** A copy of the counters, with the gauges read now. */
  snapshot(gauges: { readonly outboxQueued: number; readonly outboxInflight: number }): ClientMetrics {
    return {
      messagesIn: this.messagesIn,
      decodeFailures: this.decodeFailures,
      sends: { socket: { ok: this.socketOk, failed: this.socketFailed }, rest: { ok: this.restOk, failed: this.restFailed } },
      reconnects: this.reconnects,
      logins: this.logins,
      certifies: this.certifies,
      heartbeat: summariseRtts(this.rtts, this.probes),
      ...gauges,
    };
  }
}
