import type { ClientEvent } from '../client/events.js';
import { RexsysArgumentError } from '../errors.js';
import { scrubText } from '../security/secrets.js';

/** How much a logger says, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line of the client's log. `message` has every secret the process holds scrubbed. */
export interface LogEntry {
  readonly level: LogLevel;
  /** The {@link ClientEvent} it describes. */
  readonly event: ClientEvent['type'];
  readonly message: string;
  /** When it was logged (ms since the epoch). */
  readonly at: number;
}

/** The `logger` option: where the client's log goes, and from which level. */
export interface RexsysLoggerOptions {
  /** Lines below this level are not made at all. @default 'info' */
  readonly level?: LogLevel;
  /** Where each line goes. @default console (console.debug / info / warn / error by level) */
  readonly sink?: (entry: LogEntry) => void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The level of each event: per-message traffic is `debug`, the lifecycle `info`, trouble `warn`, giving up `error`. */
export function levelOf(event: ClientEvent): LogLevel {
  switch (event.type) {
    case 'messageReceived':
    case 'sendQueued':
    case 'sendEmitted':
    case 'sendAcked':
    case 'heartbeat':
    case 'hello':
      return 'debug';
    case 'retryScheduled':
    case 'disconnected':
    case 'decodeFailed':
    case 'sendFailed':
      return 'warn';
    case 'loginRefused':
    case 'gaveUp':
      return 'error';
    default:
      return 'info';
  }
}

/** One human line for an event (before scrubbing). */
export function describeEvent(event: ClientEvent): string {
  switch (event.type) {
    case 'connecting':
      return event.attempt === 0 ? 'connecting' : `connecting (retry ${event.attempt})`;
    case 'certified':
      return `certified as "${event.uid}"${event.skewed ? ' (the token arrived due for renewal: clocks disagree)' : ''}`;
    case 'connected':
      return `socket joined ${event.namespace}`;
    case 'hello':
      return `hello: sid ${event.sid}`;
    case 'loginSent':
      return `login sent for "${event.uid}" (sid ${event.sid})`;
    case 'loginOk':
      return `logged in as "${event.uid}" (sid ${event.sid})`;
    case 'loginRefused':
      return `login refused (${event.error.code}): ${event.error.message}`;
    case 'disconnected':
      return `connection lost (${event.reason}): ${event.error.message}`;
    case 'retryScheduled':
      return `retry ${event.attempt} in ${event.delay} ms (${event.reason}): ${event.error.message}`;
    case 'gaveUp':
      return `gave up (${event.reason}): ${event.error.message}`;
    case 'reconnectRequested':
      return 'reconnect() requested';
    case 'stopped':
      return 'stopped: nobody holds the connection';
    case 'closed':
      return 'closed';
    case 'messageReceived':
      return `received "${event.command}"`;
    case 'decodeFailed':
      return `decode failed (${event.source ?? 'unknown'}): ${event.error.message}`;
    case 'sendQueued':
      return `send queued: "${event.command}" to "${event.receiver}"`;
    case 'sendEmitted':
      return `send emitted: "${event.command}" to "${event.receiver}"`;
    case 'sendAcked':
      return `send ${event.acked ? 'acked' : 'done'} (${event.via}): "${event.command}" to "${event.receiver}"`;
    case 'sendFailed':
      return `send failed (${event.via}, ${event.error.code}): "${event.command}" to "${event.receiver}": ${event.error.message}`;
    case 'heartbeat':
      return `heartbeat answered in ${event.rtt} ms`;
  }
}

const consoleSink = (entry: LogEntry): void => {
  const line = `rexsys-rx ${entry.level}: ${entry.message}`;
  console[entry.level](line);
};

/**
 * The client's logger from its `logger` option (`undefined`/`false`: none; `true` or
 * `'console'`: info and above to the console). Returns the function that logs one event,
 * or `undefined` when nothing is logged. Lines are made only at or above `level`, and every
 * secret the process holds is scrubbed from them at the source.
 */
export function createLogger(option: RexsysLoggerOptions | boolean | 'console' | undefined): ((event: ClientEvent) => void) | undefined {
  if (option === undefined || option === false) return undefined;
  const { level = 'info', sink = consoleSink } = option === true || option === 'console' ? {} : option;
  if (!(level in RANK)) throw new RexsysArgumentError(`logger.level must be 'debug', 'info', 'warn' or 'error', got ${String(level)}.`);
  if (typeof sink !== 'function') throw new RexsysArgumentError('logger.sink must be a function.');
  const floor = RANK[level];
  return (event) => {
    const eventLevel = levelOf(event);
    if (RANK[eventLevel] < floor) return;
    try {
      sink({ level: eventLevel, event: event.type, message: scrubText(describeEvent(event)), at: Date.now() });
    } catch {
      // A sink that throws must never take the client down.
    }
  };
}
