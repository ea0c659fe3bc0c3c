/**
 * The names rexsys-rx reserves on the wire for confirmed delivery and request/reply
 * (docs/protocol.md). On their own, so that a client can recognise what only that code
 * handles without carrying the code (it loads on first use).
 */

/** The marker key of every confirmed-delivery envelope; its value is the format version. */
export const ENVELOPE_KEY = 'rexsys-rx';
/** The reserved command of confirmations. */
export const CONFIRM_COMMAND = 'rexsys-rx:confirm';
/** The reserved command of requests (the application's command travels inside). */
export const REQUEST_COMMAND = 'rexsys-rx:request';
/** The reserved command of replies. */
export const REPLY_COMMAND = 'rexsys-rx:reply';

/** True for the two reserved commands of request/reply. */
export const isRpcCommand = (command: string): boolean => command === REQUEST_COMMAND || command === REPLY_COMMAND;
