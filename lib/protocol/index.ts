/**
 * rexsys-rx/protocol: the wire internals, for tools, tests and the emulator. Applications
 * do not need this entry; everything here is described in docs/protocol.md.
 */
export { CERTIFY_PATH, SEND_PATH, namespaceFor } from './paths.js';
export { HELLO_EVENT, HelloDecoder, helloParser, renameHello } from './hello-parser.js';
export { decodeWith, formatIssues } from './report.js';
export {
  AnyEnvelope,
  CertificateResult,
  CertifyRequest,
  Hello,
  LoginReply,
  LoginRequest,
  RequestMessage,
  RestSendPayload,
  RexsysEnvelope,
  ServerInfo,
  TouidMessage,
  classifyLoginReply,
  normaliseData,
  type LoginOutcome,
} from './codecs.js';
export { encodeData, decodeData, decodeDataEither } from './encode-data.js';
export {
  CONFIRM_COMMAND,
  ENVELOPE_KEY,
  ENVELOPE_VERSION,
  confirmEnvelope,
  messageEnvelope,
  parseEnvelope,
  type ConfirmEnvelope,
  type MessageEnvelope,
  type ParsedEnvelope,
} from '../delivery/envelope.js';
export { HEARTBEAT_COMMAND } from '../liveness/heartbeat-probe.js';
// request/reply (lib/request): wire v1
export {
  REPLY_COMMAND,
  REQUEST_COMMAND,
  RPC_KEY,
  RPC_VERSION,
  parseRpc,
  replyPayload,
  requestPayload,
  type ParsedRpc,
  type ReplyPayload,
  type RequestPayload,
} from '../request/wire.js';
