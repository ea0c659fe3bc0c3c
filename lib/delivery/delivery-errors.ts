/**
 * The errors confirmed delivery reports, made in one place (so a change of the error
 * constructors touches only this file).
 */
import { RexsysDecodeError, RexsysSendError } from '../errors.js';
import type { RexsysMessage } from '../protocol/codecs.js';

/** A confirmed send that was not confirmed within `ttl` ms. */
export function unconfirmedError(receiver: string, command: string, id: string, ttl: number): RexsysSendError {
  return new RexsysSendError(
    'E_UNCONFIRMED',
    `"${command}" to "${receiver}" (id ${id}) was not confirmed by the receiving client within ${ttl} ms: it was not handed to its application, ` +
      'or it was and every confirmation was lost.',
    { receiver, command },
  );
}

/** A confirmed message that arrived after its deadline (plus the skew tolerance): dropped. */
export function expiredError(message: RexsysMessage, id: string, expires: number, now: number): RexsysSendError {
  return new RexsysSendError(
    'E_EXPIRED',
    `A confirmed "${message.command}" from "${message.sender ?? '?'}" (id ${id}) arrived ${now - expires} ms after its deadline: dropped, not handed over, not confirmed.`,
    { receiver: message.receiver ?? '', command: message.command },
  );
}

/** A malformed or forged envelope or confirmation: reported, never acted on. */
export function envelopeError(reason: string, message: RexsysMessage): RexsysDecodeError {
  return new RexsysDecodeError(`Ignored a confirmed-delivery envelope from "${message.sender ?? '?'}" (command "${message.command}"): ${reason}.`, {
    issues: [{ path: 'data', expected: 'rexsys-rx envelope v1', actual: undefined, message: reason }],
    raw: { command: message.command, sender: message.sender },
    source: 'rexsys-rx envelope',
  });
}
