/**
 * Request/reply for one client, on top of confirmed delivery: the requester, the
 * responder and {@link RequestReply.take}, the one routing decision the client makes
 * for every incoming message (confirmed or plain) of the two reserved commands.
 */
import type { RexsysMessage } from '../protocol/codecs.js';
import { rpcPayloadError } from './request-errors.js';
import type { RequestReplyHost } from './request-reply-host.js';
import { Requester } from './requester.js';
import { Responder } from './responder.js';
import type { RequestReplyCounters } from './types.js';
import { isRpcCommand, parseRpc } from './wire.js';

export class RequestReply {
  readonly counters: RequestReplyCounters = {
    requests: 0,
    replies: 0,
    droppedReplies: 0,
    handled: 0,
    answeredFromCache: 0,
    duplicatesWhileRunning: 0,
    invalid: 0,
  };
  readonly requester: Requester;
  readonly responder: Responder;

  constructor(private readonly host: RequestReplyHost) {
    this.requester = new Requester(host, this.counters);
    this.responder = new Responder(host, this.counters);
  }

  readonly request: Requester['request'] = (message, options) => this.requester.request(message, options);
  readonly reply: Responder['reply'] = (command, handler) => this.responder.reply(command, handler);

  /**
   * An incoming message: `undefined` when it is not request/reply (the client goes on as
   * usual); true when it was taken (answered, settled, or dropped and counted); false
   * for a request whose command no handler answers now (not taken, not confirmed).
   */
  take(message: RexsysMessage): boolean | undefined {
    if (!isRpcCommand(message.command)) return undefined;
    const parsed = parseRpc(message.command, message.data);
    if (parsed.kind === 'invalid') {
      this.counters.invalid++;
      this.host.report(rpcPayloadError(parsed.reason, message));
      return true;
    }
    if (parsed.kind === 'request') return this.responder.takeRequest(message, parsed.payload);
    this.requester.takeReply(message, parsed.payload);
    return true;
  }
}
