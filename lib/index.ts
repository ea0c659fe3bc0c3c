/**
 * rexsys-rx: a reactive (RxJS) client for the Rexsys realtime server.
 * Browser and Node; the emulator lives in `rexsys-rx/emulator`.
 */
export { createRexsysClient } from './client/create-client.js';
export type {
  ClientEvent,
  ClientEventType,
  ClientMetrics,
  HeartbeatSummary,
  SendCounts,
  CommandCodecs,
  ConnectionLostReason,
  ConnectionState,
  ConnectionStatus,
  IdleState,
  ConnectingState,
  AuthenticatingState,
  ReadyState,
  ReconnectingState,
  UnauthorizedState,
  ClosedState,
  DataOf,
  FanOutResult,
  ReplyOf,
  RexsysClient,
  RexsysClientOptions,
  SendOptions,
  SendReceipt,
  Via,
} from './client/types.js';
export { heartbeat, DEFAULT_HEARTBEAT, type HeartbeatOptions, type HeartbeatSource } from './liveness/heartbeat.js';
export { describeEvent, levelOf, type LogEntry, type LogLevel, type RexsysLoggerOptions } from './logging/logger.js';
export { certify, type CertifyOptions, type RexsysCredentials } from './auth/certify.js';
export { retryBackoff, type RetryBackoffOptions } from './operators/retry-backoff.js';
export { backoffDelay, type BackoffDelayOptions } from './operators/backoff-delay.js';
export { ofCommand, type OfCommandOptions } from './operators/of-command.js';
export { sendTo, type SendToOptions } from './operators/send-to.js';
export type { RepliedRequest, ReplyResult, RequestOptions } from './request/types.js';
export { DELIVERY_DEFAULTS, type ConfirmedDeliveryOptions, type DeliveryMode } from './delivery/delivery-options.js';
// durable outbox (issue #15): the browser stores; fileStore is in rexsys-rx/node
export { memoryStore } from './store/memory-store.js';
export { indexedDbStore } from './store/indexeddb-store.js';
export type { RexsysStore, StoreLimits } from './store/types.js';
export type { DeliveryOutcome, PendingSend, RexsysOutbox } from './store/outbox.js';
export { encodeData, decodeData, decodeDataEither } from './protocol/encode-data.js';
export { Channel, MessageData, type RexsysMessage } from './protocol/codecs.js';
export type { BodyFormat } from './transport/http.js';
export type { SocketIoOptions } from './transport/socket.js';
export {
  RexsysArgumentError,
  RexsysAuthError,
  RexsysClockSkewError,
  RexsysClosedError,
  RexsysDecodeError,
  RexsysEncodingError,
  RexsysError,
  RexsysSendError,
  RexsysStoreError,
  RexsysTimeoutError,
  RexsysTransportError,
  RexsysInternalError,
  asRexsysError,
  isRexsysError,
  type DecodeIssue,
  type RexsysErrorCode,
  type RexsysErrorOptions,
} from './errors.js';

/*
 * Deprecated in 0.2, removed in 0.3: wire internals now live in `rexsys-rx/protocol`.
 * Re-exported here for one release so 0.1 imports keep compiling.
 */
export {
  /** @deprecated import from 'rexsys-rx/protocol' */
  CERTIFY_PATH,
  /** @deprecated import from 'rexsys-rx/protocol' */
  SEND_PATH,
  /** @deprecated import from 'rexsys-rx/protocol' */
  HELLO_EVENT,
  /** @deprecated import from 'rexsys-rx/protocol' */
  HelloDecoder,
  /** @deprecated import from 'rexsys-rx/protocol' */
  helloParser,
  /** @deprecated import from 'rexsys-rx/protocol' */
  renameHello,
  /** @deprecated import from 'rexsys-rx/protocol' */
  decodeWith,
  /** @deprecated import from 'rexsys-rx/protocol' */
  formatIssues,
  /** @deprecated import from 'rexsys-rx/protocol' */
  AnyEnvelope,
  /** @deprecated import from 'rexsys-rx/protocol' */
  CertificateResult,
  /** @deprecated import from 'rexsys-rx/protocol' */
  CertifyRequest,
  /** @deprecated import from 'rexsys-rx/protocol' */
  Hello,
  /** @deprecated import from 'rexsys-rx/protocol' */
  LoginReply,
  /** @deprecated import from 'rexsys-rx/protocol' */
  LoginRequest,
  /** @deprecated import from 'rexsys-rx/protocol' */
  RequestMessage,
  /** @deprecated import from 'rexsys-rx/protocol' */
  RestSendPayload,
  /** @deprecated import from 'rexsys-rx/protocol' */
  RexsysEnvelope,
  /** @deprecated import from 'rexsys-rx/protocol' */
  ServerInfo,
  /** @deprecated import from 'rexsys-rx/protocol' */
  TouidMessage,
  /** @deprecated import from 'rexsys-rx/protocol' */
  classifyLoginReply,
  /** @deprecated import from 'rexsys-rx/protocol' */
  normaliseData,
  /** @deprecated import from 'rexsys-rx/protocol' */
  type LoginOutcome,
} from './protocol/index.js';
