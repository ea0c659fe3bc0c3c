/**
 * REST calls to a Rexsys server: one EncodeData field in, the `{ rexsys }` envelope out.
 * Errors come back as typed RexsysErrors whose messages and fields never hold the
 * request body (it carries the token).
 */
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import * as E from '../protocol/either.js';
import { Observable } from 'rxjs';
import { RexsysTimeoutError, RexsysTransportError } from '../errors.js';
import { encodeData } from '../protocol/encode-data.js';
import { AnyEnvelope } from '../protocol/codecs.js';
import { decodeWith } from '../protocol/report.js';

/**
 * How a REST body is sent. `json`: `{"EncodeData": …}` as `application/json` (what the
 * vendor's axios example really sends); `form`: `EncodeData=…` as
 * `application/x-www-form-urlencoded` (what jQuery sends); `text`: the JSON body as
 * `text/plain`. `form` and `text` need no CORS preflight from another origin.
 */
export type BodyFormat = 'json' | 'form' | 'text';

export interface PostOptions {
  readonly http?: AxiosInstance;
  readonly body?: BodyFormat;
  /** Milliseconds before the call fails with a RexsysTimeoutError; 0 for none. */
  readonly timeout?: number;
}

let defaultHttp: AxiosInstance | undefined;
/** The axios instance used when the caller passes none (created on first use). */
export function defaultHttpClient(): AxiosInstance {
  return (defaultHttp ??= axios.create());
}

/** Network error codes that mean the request never reached a server. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL']);

/** Joins an origin (possibly with a path prefix) and an absolute API path. */
export function joinUrl(origin: string, path: string): string {
  return origin.replace(/\/+$/, '') + path;
}

function bodyOf(payload: unknown, format: BodyFormat): { data: string; contentType: string } {
  const encoded = encodeData(payload);
  switch (format) {
    case 'form':
      return { data: `EncodeData=${encodeURIComponent(encoded)}`, contentType: 'application/x-www-form-urlencoded; charset=UTF-8' };
    case 'text':
      return { data: JSON.stringify({ EncodeData: encoded }), contentType: 'text/plain;charset=UTF-8' };
    default:
      return { data: JSON.stringify({ EncodeData: encoded }), contentType: 'application/json' };
  }
}

/** Removes any `token` field from an answer before it is kept on an error. */
export function withoutTokens(value: unknown, depth = 0): unknown {
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => withoutTokens(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'token' ? '[redacted]' : withoutTokens(v, depth + 1);
  return out;
}

function describeServerMessage(body: unknown): string {
  const env = AnyEnvelope.decode(body);
  if (E.isRight(env)) {
    const server = env.right.rexsys.server;
    const result = env.right.rexsys.result as { message?: unknown } | undefined;
    const msg = server.message ?? (typeof result?.message === 'string' ? result.message : undefined);
    return msg ? `: ${msg}` : ` (status ${server.status})`;
  }
  return '';
}

/**
 * POSTs `payload` as EncodeData to `url` and emits the decoded envelope once.
 * Cold and cancellable: unsubscribing aborts the request.
 */
export function postEncoded(url: string, payload: unknown, options: PostOptions = {}): Observable<AnyEnvelope> {
  const { http = defaultHttpClient(), body = 'json', timeout = 0 } = options;
  return new Observable<AnyEnvelope>((subscriber) => {
    const controller = new AbortController();
    const { data, contentType } = bodyOf(payload, body);
    const where = new URL(url).pathname;
    http
      .post<unknown>(url, data, {
        headers: { 'Content-Type': contentType },
        timeout,
        signal: controller.signal,
        // We read every answer, errors included: the envelope says what went wrong.
        validateStatus: () => true,
        responseType: 'json',
        transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
      })
      .then(
        (res) => {
          let answer: unknown = res.data;
          if (typeof answer === 'string') {
            try {
              answer = JSON.parse(answer);
            } catch {
              /* keep the text */
            }
          }
          if (res.status < 200 || res.status >= 300) {
            subscriber.error(
              new RexsysTransportError('E_HTTP', `POST ${where} failed with HTTP ${res.status}${describeServerMessage(answer)}`, {
                status: res.status,
                body: withoutTokens(answer),
              }),
            );
            return;
          }
          const envelope = decodeWith(AnyEnvelope, answer, `POST ${where} answer`);
          if (E.isLeft(envelope)) {
            subscriber.error(envelope.left);
            return;
          }
          subscriber.next(envelope.right);
          subscriber.complete();
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          if (isAxiosError(err) && (err.code === 'ETIMEDOUT' || err.code === 'ECONNABORTED')) {
            subscriber.error(new RexsysTimeoutError(`POST ${where} got no answer within ${timeout} ms`, { timeoutMs: timeout, cause: err }));
            return;
          }
          const code = isAxiosError(err) ? err.code : undefined;
          const reason = isAxiosError(err) ? (err.code ?? err.message) : String(err);
          const mayHaveArrived = code === undefined || !NOT_SENT_CODES.has(code);
          subscriber.error(new RexsysTransportError('E_NETWORK', `POST ${where} failed: ${reason}`, { mayHaveArrived, cause: err }));
        },
      );
    return () => controller.abort();
  });
}
