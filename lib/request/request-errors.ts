/** The errors request/reply reports, made in one place. */
import { scrubText } from '../security/secrets.js';
import { RexsysDecodeError, RexsysSendError, RexsysTimeoutError, RexsysArgumentError } from '../errors.js';
import type { RexsysMessage } from '../protocol/codecs.js';

/** The responder's handler failed: only its message travels (never a stack or a cause). */
export function remoteError(receiver: string, command: string, message: string): RexsysSendError {
  return new RexsysSendError('E_REMOTE', `"${command}" failed at "${receiver}": ${message}`, { receiver, command });
}

/** The request was confirmed by the receiver, but no reply came within `timeout` ms. */
export function replyTimeoutError(receiver: string, command: string, timeout: number): RexsysTimeoutError {
  return new RexsysTimeoutError(`"${receiver}" got the request "${command}" but did not reply within ${timeout} ms.`, { timeoutMs: timeout });
}

/** The request was not confirmed by its receiver by the time the requester gave up. */
export function requestUnconfirmedError(receiver: string, command: string, ms: number): RexsysSendError {
  return new RexsysSendError(
    'E_UNCONFIRMED',
    `The request "${command}" was not confirmed by "${receiver}" within ${ms} ms: the receiver is absent or offline, or answers no requests for "${command}".`,
    { receiver, command },
  );
}

/** A reply whose data does not match the reply codec. */
export function replyDecodeError(receiver: string, command: string, cause: RexsysDecodeError): RexsysDecodeError {
  return new RexsysDecodeError(`The reply of "${receiver}" to "${command}" does not match its codec: ${cause.message}`, {
    issues: cause.issues,
    raw: cause.raw,
    source: command,
  });
}

/** A malformed or forged request or reply: reported on errors$, never acted on. */
export function rpcPayloadError(reason: string, message: RexsysMessage): RexsysDecodeError {
  return new RexsysDecodeError(`Ignored a request/reply message from "${message.sender ?? '?'}" (command "${message.command}"): ${reason}.`, {
    issues: [{ path: 'data', expected: 'rexsys-rx request/reply v1', actual: undefined, message: reason }],
    raw: { command: message.command, sender: message.sender },
    source: 'rexsys-rx request/reply',
  });
}

export function requestArgumentError(what: string): RexsysArgumentError {
  return new RexsysArgumentError(what);
}

/**
 * The one line of a handler's failure that travels to the requester: the message of an
 * Error (or the text of a thrown string), without stack, cause or other fields.
 */
export function failureMessage(e: unknown): string {
  // Only the message travels (never a stack), with the secrets this process holds scrubbed.
  return scrubText(rawFailureMessage(e));
}

function rawFailureMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name || 'Error';
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return 'the handler failed';
}
