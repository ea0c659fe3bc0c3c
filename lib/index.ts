/**
 * rexsys-rx: a reactive (RxJS) client for the Rexsys realtime server.
 * Browser and Node; the emulator lives in `rexsys-rx/emulator`.
 */
export { createRexsysClient } from './client/create-client.js';
export type {
  CommandCodecs,
  ConnectionState,
  ConnectionStatus,
  DataOf,
  FanOutResult,
  RexsysClient,
  RexsysClientOptions,
  SendOptions,
  SendReceipt,
  Via,
} from './client/types.js';
export { certify, CERTIFY_PATH, type CertifyOptions, type RexsysCredentials } from './auth/certify.js';
export { retryBackoff, type RetryBackoffOptions } from './operators/retry-backoff.js';
export { backoffDelay, type BackoffDelayOptions } from './operators/backoff-delay.js';
export { ofCommand, type OfCommandOptions } from './operators/of-command.js';
export { sendTo, type SendToOptions } from './operators/send-to.js';
export { encodeData, decodeData, decodeDataEither } from './protocol/encode-data.js';
export {
  AnyEnvelope,
  CertificateResult,
  CertifyRequest,
  Channel,
  Hello,
  LoginReply,
  LoginRequest,
  MessageData,
  RequestMessage,
  RestSendPayload,
  RexsysEnvelope,
  ServerInfo,
  TouidMessage,
  classifyLoginReply,
  normaliseData,
  type LoginOutcome,
  type RexsysMessage,
} from './protocol/codecs.js';
export { decodeWith, formatIssues } from './protocol/report.js';
export { HELLO_EVENT, HelloDecoder, helloParser, renameHello } from './protocol/hello-parser.js';
export { SEND_PATH } from './transport/rest-send.js';
export type { BodyFormat } from './transport/http.js';
export type { SocketIoOptions } from './transport/socket.js';
export {
  RexsysArgumentError,
  RexsysAuthError,
  RexsysClosedError,
  RexsysDecodeError,
  RexsysEncodingError,
  RexsysError,
  RexsysSendError,
  RexsysTimeoutError,
  RexsysTransportError,
  asRexsysError,
  isRexsysError,
  type DecodeIssue,
  type RexsysErrorCode,
} from './errors.js';
