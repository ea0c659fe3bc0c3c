/**
 * io-ts codecs for every message of the Rexsys protocol (see docs/protocol.md).
 * Decoding returns an `Either`; use {@link decodeWith} for a readable report.
 */
import * as t from 'io-ts';
import { scrubText } from '../security/secrets.js';

/** `server` block of every REST answer. (`remote-addess` is spelled so by the server.) */
export const ServerInfo = t.intersection(
  [
    t.type({ status: t.string }),
    t.partial({
      namespace: t.string,
      'remote-addess': t.string,
      runtime: t.number,
      timestamp: t.number,
      version: t.string,
      message: t.string,
    }),
  ],
  'ServerInfo',
);
export type ServerInfo = t.TypeOf<typeof ServerInfo>;

/**
 * The REST envelope `{ rexsys: { result, server } }`, generic over its result.
 * Failure answers may carry no `result`; decode with `RexsysEnvelope(t.unknown)` first
 * and check `server.status`.
 */
export const RexsysEnvelope = <C extends t.Mixed>(result: C) => t.type({ rexsys: t.type({ result, server: ServerInfo }) }, `RexsysEnvelope<${result.name}>`);

/** Any envelope: `result` unchecked (and possibly absent). */
export const AnyEnvelope = t.type({ rexsys: t.intersection([t.type({ server: ServerInfo }), t.partial({ result: t.unknown })]) }, 'AnyEnvelope');
export type AnyEnvelope = t.TypeOf<typeof AnyEnvelope>;

/** Body of the certificate request (DESIGN §1.2). */
export const CertifyRequest = t.type({ project: t.string, productkey: t.string }, 'CertifyRequest');
export type CertifyRequest = t.TypeOf<typeof CertifyRequest>;

const NumberOrString = t.union([t.number, t.string]);

/** `rexsys.result` of a successful certificate answer. */
export const CertificateResult = t.intersection(
  [
    t.type({ clientid: t.string, token: t.string }),
    t.partial({
      clients: NumberOrString,
      config: t.type({ io: t.partial({ client: t.string, user: t.string }) }),
      // Servers differ: seconds as a number or a numeric string, or only a datetime (see expiryMillis).
      expire: t.partial({ datetime: t.union([t.string, t.null]), timestamp: t.union([t.number, t.string, t.null]) }),
      namespace: t.string,
      productkey: t.string,
      project: t.string,
    }),
  ],
  'CertificateResult',
);
export type CertificateResult = t.TypeOf<typeof CertificateResult>;

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * When a certificate expires, in milliseconds since the epoch, or undefined when it does
 * not say in a form we can read. `expire.timestamp` is seconds, as a number or a numeric
 * string (`"1924959599"`); without it, `expire.datetime` (`"2030-12-31 23:59:59"`, read
 * in the client's local time unless it carries `Z` or an offset). Never throws: an
 * unreadable expiry only means the token is used until the server refuses it.
 */
export function expiryMillis(expire: { readonly timestamp?: unknown; readonly datetime?: unknown } | undefined): number | undefined {
  if (!expire) return undefined;
  const { timestamp, datetime } = expire;
  const seconds = typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(timestamp) ? Number(timestamp) : NaN;
  if (Number.isFinite(seconds) && seconds > 0) return Math.round(seconds * 1000);
  if (typeof datetime !== 'string') return undefined;
  const m = DATETIME.exec(datetime.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec = '0', zone] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)] as const;
  if (parts[1] > 11 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 60) return undefined;
  if (zone === undefined) return new Date(...parts).getTime();
  const utc = Date.UTC(...parts);
  if (zone.toUpperCase() === 'Z') return utc;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!z) return undefined;
  const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000 * (z[1] === '-' ? -1 : 1);
  return utc - offset;
}

/** The hello the server emits as an event literally named `connect` (DESIGN §1.3). */
export const Hello = t.type({ sid: t.string }, 'Hello');
export type Hello = t.TypeOf<typeof Hello>;

/** What the client emits as `login`. */
export const LoginRequest = t.type({ uid: t.string, sid: t.string, token: t.string }, 'LoginRequest');
export type LoginRequest = t.TypeOf<typeof LoginRequest>;

/** A `login` reply, classified. `reply` is what the server sent. */
export type LoginOutcome = { readonly ok: true; readonly reply: unknown } | { readonly ok: false; readonly reason: string; readonly reply: unknown };

const FAILURE_WORDS = new Set([
  'fail',
  'failed',
  'failure',
  'error',
  'false',
  'denied',
  'refused',
  'invalid',
  'rejected',
  'unauthorized',
  'forbidden',
  'expired',
]);

/** `false`, or text that is a failure word or holds one as a word (`"login fail: invalid token"`). */
function saysFailure(v: unknown): boolean {
  if (v === false) return true;
  if (typeof v !== 'string') return false;
  return v
    .toLowerCase()
    .split(/[^a-z]+/)
    .some((word) => FAILURE_WORDS.has(word));
}

/**
 * Classifies the server's `login` reply, whose payload is undocumented (docs/protocol.md,
 * "Login"). A failure when it says so:
 * - the bare value `false`, or a string holding a failure word (`fail`, `failed`,
 *   `failure`, `error`, `false`, `denied`, `refused`, `invalid`, `rejected`,
 *   `unauthorized`, `forbidden`, `expired`) as a word, e.g. `"login fail: invalid token"`;
 * - an object whose `status` or `result` is `false` or such a string, or whose `error`
 *   is other than `0`/`false`/empty, or, when it has none of `status`, `result` and
 *   `error`, whose `message` is such a string.
 * A success otherwise (an object saying `success`, `true`, an empty ack, any other text).
 * The reason never holds a secret the library knows (see lib/security/secrets).
 */
export function classifyLoginReply(reply: unknown): LoginOutcome {
  if (saysFailure(reply)) return { ok: false, reason: scrubText(String(reply)), reply };
  if (typeof reply === 'object' && reply !== null && !Array.isArray(reply)) {
    const r = reply as Record<string, unknown>;
    const said = (k: string) => (typeof r[k] === 'string' ? `: ${r[k]}` : '');
    // `error: 0` / `'0'` is how some servers say "no error".
    if (r.error !== undefined && r.error !== null && r.error !== false && r.error !== '' && r.error !== 0 && r.error !== '0') {
      return { ok: false, reason: scrubText(typeof r.error === 'string' ? r.error : `error${said('message')}`), reply };
    }
    for (const key of ['status', 'result'] as const) {
      if (saysFailure(r[key])) return { ok: false, reason: scrubText(`${key} ${String(r[key])}${said('message')}`), reply };
    }
    if (r.status === undefined && r.result === undefined && r.error === undefined && saysFailure(r.message)) {
      return { ok: false, reason: scrubText(String(r.message)), reply };
    }
  }
  return { ok: true, reply };
}

/** The `login` reply as a codec: decodes any value into a {@link LoginOutcome}. */
export const LoginReply = new t.Type<LoginOutcome, unknown, unknown>(
  'LoginReply',
  (u): u is LoginOutcome => typeof u === 'object' && u !== null && typeof (u as { ok?: unknown }).ok === 'boolean',
  (u) => t.success(classifyLoginReply(u)),
  (o) => o.reply,
);

/**
 * Normalises `touid` data: REST-sent messages carry the JSON *string* the sender
 * posted; parse it. A string that is not JSON stays a string.
 */
export function normaliseData(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  const s = data.trim();
  if (s === '') return data;
  const c = s.charCodeAt(0);
  // Only text that can start a JSON value is worth a parse attempt.
  if (c !== 123 /* { */ && c !== 91 /* [ */ && c !== 34 /* " */ && c !== 45 /* - */ && !(c >= 48 && c <= 57) && s !== 'true' && s !== 'false' && s !== 'null') {
    return data;
  }
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return data;
  }
}

/** `data` of a message, normalised by {@link normaliseData}. */
export const MessageData = new t.Type<unknown, unknown, unknown>(
  'MessageData',
  (_u): _u is unknown => true,
  (u) => t.success(normaliseData(u)),
  (a) => a,
);

/** The structural codec of a `touid` message; {@link TouidMessage} is its fast form. */
const TouidShape = t.intersection(
  [t.type({ command: t.string, data: MessageData }), t.partial({ sender: t.string, receiver: t.string, channel: t.string })],
  'TouidMessage',
);

const isOptionalString = (v: unknown) => v === undefined || typeof v === 'string';

/**
 * A valid `touid` payload as a {@link RexsysMessage}, checked by hand (no intermediate
 * objects: it is on every message's path); `undefined` when it is not valid, and
 * {@link TouidMessage} then says why.
 */
export function touidOf(u: unknown): RexsysMessage | undefined {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return undefined;
  const r = u as Record<string, unknown>;
  if (typeof r.command !== 'string' || !isOptionalString(r.sender) || !isOptionalString(r.receiver) || !isOptionalString(r.channel)) return undefined;
  const message: { -readonly [K in keyof RexsysMessage]: RexsysMessage[K] } = { command: r.command, data: normaliseData(r.data) };
  if (r.sender !== undefined) message.sender = r.sender;
  if (r.receiver !== undefined) message.receiver = r.receiver;
  if (r.channel !== undefined) message.channel = r.channel;
  return message;
}

/**
 * A received `touid` message: `{ command, data }`, possibly with `sender`, `receiver`,
 * `channel`; `data` normalised by {@link normaliseData}. Valid input is checked by
 * {@link touidOf}; invalid input goes through the structural codec for its detailed report.
 */
export const TouidMessage = new t.Type<RexsysMessage, RexsysMessage, unknown>(
  'TouidMessage',
  (u): u is RexsysMessage => TouidShape.is(u),
  (u, context) => {
    const message = touidOf(u);
    if (message !== undefined) return t.success(message);
    // Report as the structural codec would (its members, not this wrapper, in the path).
    const last = context[context.length - 1];
    return TouidShape.validate(u, [...context.slice(0, -1), { ...last, type: TouidShape }]);
  },
  (m) => m,
);

/** A received message. `D` is the type of `data` (decoded by a codec where one is given). */
export interface RexsysMessage<D = unknown> {
  readonly command: string;
  readonly data: D;
  readonly sender?: string;
  readonly receiver?: string;
  readonly channel?: string;
  /** The message id, on messages sent with confirmed delivery (the sender's receipt carries the same). */
  readonly id?: string;
}

/** The channel a message travels on: kiosks and web clients use `client`. */
export const Channel = t.keyof({ client: null, user: null }, 'Channel');
export type Channel = t.TypeOf<typeof Channel>;

/** What the client emits as `request` to send over the socket. */
export const RequestMessage = t.type({ channel: t.string, sender: t.string, receiver: t.string, command: t.string, data: t.unknown }, 'RequestMessage');
export type RequestMessage = t.TypeOf<typeof RequestMessage>;

/** The payload of `POST /api/ide/io/send`, EncodeData-encoded. `data` is a JSON string. */
export const RestSendPayload = t.type(
  {
    token: t.string,
    project: t.string,
    channel: t.string,
    sender: t.string,
    receiver: t.string,
    command: t.string,
    data: t.string,
  },
  'RestSendPayload',
);
export type RestSendPayload = t.TypeOf<typeof RestSendPayload>;
