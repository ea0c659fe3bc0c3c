import type { AxiosInstance } from 'axios';
import { map, type Observable } from 'rxjs';
import type { RexsysCredentials } from '../auth/certify.js';
import { RexsysSendError } from '../errors.js';
import type { AnyEnvelope, Channel, RestSendPayload } from '../protocol/codecs.js';
import { SEND_PATH } from '../protocol/paths.js';
import { registerSecret, scrub, scrubText } from '../security/secrets.js';
import { joinUrl, postEncoded, type BodyFormat } from './http.js';

export interface RestSendArgs {
  readonly url: string;
  readonly project: string;
  readonly channel: Channel;
  readonly credentials: RexsysCredentials;
  readonly receiver: string;
  readonly command: string;
  readonly data: unknown;
  readonly http?: AxiosInstance;
  readonly body?: BodyFormat;
  readonly timeout?: number;
}

/** `data` already serialised: the client checks a REST send's data by serialising it, and the POST carries that text. */
export class JsonText {
  constructor(readonly text: string | undefined) {}
}

/** The EncodeData payload of a REST send (docs/protocol.md, "Sending over REST"): `data` travels as a JSON string. */
export function restSendPayload(a: Pick<RestSendArgs, 'project' | 'channel' | 'credentials' | 'receiver' | 'command' | 'data'>): RestSendPayload {
  return {
    token: a.credentials.token,
    project: a.project,
    channel: a.channel,
    sender: a.credentials.uid,
    receiver: a.receiver,
    command: a.command,
    data: a.data instanceof JsonText ? (a.data.text ?? 'null') : JSON.stringify(a.data === undefined ? null : a.data),
  };
}

/**
 * The `result` of a REST send's answer, scrubbed of secrets; throws a
 * {@link RexsysSendError} `E_SEND_REFUSED` when `server.status` is not `success`.
 */
function sendResultOf(envelope: AnyEnvelope, receiver: string, command: string): unknown {
  const { server, result } = envelope.rexsys;
  if (server.status !== 'success') {
    throw new RexsysSendError(
      'E_SEND_REFUSED',
      scrubText(`The server refused the send of "${command}" to "${receiver}" (status ${server.status}${server.message ? `: ${server.message}` : ''}).`),
      { receiver, command },
    );
  }
  return scrub(result);
}

/**
 * One POST to `/api/ide/io/send`; emits the envelope's `result` once. Cold and
 * cancellable. A `server.status` other than `success` is a {@link RexsysSendError}
 * `E_SEND_REFUSED`; HTTP and network failures are RexsysTransportErrors.
 */
export function postSend(args: RestSendArgs): Observable<unknown> {
  const { url, http, body, timeout, receiver, command } = args;
  registerSecret(args.credentials.token);
  return postEncoded(joinUrl(url, SEND_PATH), restSendPayload(args), { http, body, timeout }).pipe(
    map((envelope) => sendResultOf(envelope, receiver, command)),
  );
}
