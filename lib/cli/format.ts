/**
 * How the CLI shows things: connection states as short lines for stderr, values as
 * single-line JSON for stdout.
 */
import type { ConnectionState } from '../client/types.js';
import { oneLine } from './errors.js';

/** `value` as one line of JSON (what `listen` and `send` print). */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** A state as one readable line, e.g. `state: ready as kiosk-01 (sid X1)`. */
export function describeState(state: ConnectionState): string {
  const why = state.lastError ? `: ${oneLine(state.lastError.message)}` : '';
  switch (state.status) {
    case 'authenticating':
      return `state: authenticating${state.uid ? ` as ${state.uid}` : ''}`;
    case 'ready':
      return `state: ready${state.uid ? ` as ${state.uid}` : ''}${state.sid ? ` (sid ${state.sid})` : ''}`;
    case 'reconnecting':
      return `state: reconnecting (retry ${state.attempt})${why}`;
    default:
      return `state: ${state.status}${why}`;
  }
}

/**
 * True for a state the client does not leave on its own: `unauthorized` (credentials
 * refused), or `idle` with an error (retries given up).
 */
export function isStuck(state: ConnectionState): boolean {
  return state.status === 'unauthorized' || (state.status === 'idle' && state.lastError !== undefined);
}
