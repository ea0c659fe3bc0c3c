/**
 * REST calls to a Rexsys server: one EncodeData field in, the `{ rexsys }` envelope out.
 * Errors come back as typed RexsysErrors whose messages and fields never hold the
 * request body (it carries the token).
 */
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type { Agent as HttpAgent } from 'node:http';
import * as E from '../protocol/either.js';
import { Observable } from 'rxjs';
import { RexsysTimeoutError, RexsysTransportError } from '../errors.js';
import { encodeData } from '../protocol/encode-data.js';
import { AnyEnvelope } from '../protocol/codecs.js';
import { decodeWith } from '../protocol/report.js';
import { scrubError } from '../security/secrets.js';

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

/** The proxy variables axios reads in Node (`<protocol>_proxy`, `all_proxy`; either case). */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy'];

/** True when a proxy variable is set in this process's environment (never in a browser). */
export function envProxySet(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env !== undefined && PROXY_VARIABLES.some((name) => !!env[name] || !!env[name.toUpperCase()]);
}

let defaultHttp: AxiosInstance | undefined;
/**
 * The axios instance used when the caller passes none (created on first use). With no
 * proxy variable set then, it has `proxy: false`, which spares axios reading the
 * environment on every request (#18); with one set, axios reads them per request as usual.
 */
export function defaultHttpClient(): AxiosInstance {
  return (defaultHttp ??= axios.create({ ...nodeAgents(), ...(envProxySet() ? {} : { proxy: false }) }));
}

/**
 * Keep-alive agents for the default instance in Node, like Node's global ones but with the
 * TCP keep-alive delay axios sets on each request's socket (60 s). With the global agent
 * (1 s) the two took turns, and each change is two `setsockopt` calls per request (#18).
 * None outside Node, or before Node 20.16 (no `process.getBuiltinModule`): axios's own
 * defaults then.
 */
function nodeAgents(): { httpAgent?: HttpAgent; httpsAgent?: HttpAgent } {
  const load = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof load !== 'function') return {};
  const options = { keepAlive: true, keepAliveMsecs: 60_000, scheduling: 'lifo', timeout: 5_000 } as const;
  const [http, https] = [load('node:http'), load('node:https')] as Array<{ Agent: new (o: typeof options) => HttpAgent } | undefined>;
  return http && https ? { httpAgent: new http.Agent(options), httpsAgent: new https.Agent(options) } : {};
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

/** The path of a URL, for messages (computed only when one is written). */
const pathOf = (url: string): string => new URL(url).pathname;

/** How many same-origin redirects a POST follows. */
const MAX_REDIRECTS = 3;

/** The origin of the page this runs in, when it runs in a browser (not Node). */
export function pageOrigin(): string | undefined {
  const g = globalThis as { window?: unknown; location?: { origin?: unknown }; process?: { versions?: { node?: unknown } } };
  if (typeof g.window === 'undefined' || typeof g.process?.versions?.node === 'string') return undefined;
  return typeof g.location?.origin === 'string' ? g.location.origin : undefined;
}

const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

/**
 * The message of a POST that failed before any answer. From a browser page on another
 * origin, a JSON body needs a CORS preflight, and a failed preflight looks exactly like
 * this (the browser says nothing more): name it as the likely cause, and the fix.
 */
export function networkFailureMessage(args: {
  readonly where: string;
  readonly reason: string;
  readonly url: string;
  readonly body: BodyFormat;
  /** The page's origin in a browser, undefined in Node. */
  readonly pageOrigin: string | undefined;
  /** True when the request got no answer at all (no HTTP status). */
  readonly noResponse: boolean;
}): string {
  const base = `POST ${args.where} failed: ${args.reason}`;
  const target = originOf(args.url);
  if (args.pageOrigin === undefined || !args.noResponse || target === undefined || target === args.pageOrigin) return base;
  const cors =
    args.body === 'json'
      ? ` This page (${args.pageOrigin}) posted application/json to another origin (${target}), which needs a CORS preflight; a failed preflight is the likely cause. Use restBody: 'form' (no preflight), or allow ${args.pageOrigin} in the server's CORS settings.`
      : ` This page (${args.pageOrigin}) posted to another origin (${target}); if the server does not send Access-Control-Allow-Origin, the browser hides its answer: allow ${args.pageOrigin} in the server's CORS settings.`;
  return base + '.' + cors;
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
 *
 * Every error is scrubbed of the secrets the library holds (see lib/security/secrets).
 * A redirect is followed only within the same origin (at most 3): the body carries a
 * token or productkey, so a redirect to another origin is an `E_HTTP` error naming
 * where it pointed, and nothing is posted there. (Node; a browser follows redirects
 * itself, under its own CORS rules.)
 */
export function postEncoded(url: string, payload: unknown, options: PostOptions = {}): Observable<AnyEnvelope> {
  const { http = defaultHttpClient(), body = 'json', timeout = 0 } = options;
  return new Observable<AnyEnvelope>((subscriber) => {
    const controller = new AbortController();
    // Settled: nothing left to abort (aborting makes a DOMException and dispatches an event, #18).
    let settled = false;
    const { data, contentType } = bodyOf(payload, body);
    const fail = (error: Error) => {
      settled = true;
      subscriber.error(scrubError(error));
    };

    const post = (target: string, hops: number): void => {
      http
        .post<unknown>(target, data, {
          headers: { 'Content-Type': contentType },
          timeout,
          signal: controller.signal,
          // We read every answer, errors included: the envelope says what went wrong.
          validateStatus: () => true,
          // Redirects are ours to judge (see above): never re-post credentials elsewhere.
          maxRedirects: 0,
          responseType: 'json',
          transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
        })
        .then(
          (res) => {
            if (res.status >= 300 && res.status < 400) {
              const location = (res.headers as Record<string, unknown>)['location'];
              if (typeof location === 'string' && location !== '') {
                const next = new URL(location, target);
                if (next.origin === new URL(target).origin && hops < MAX_REDIRECTS) {
                  post(next.href, hops + 1);
                  return;
                }
                const why = next.origin === new URL(target).origin ? `more than ${MAX_REDIRECTS} redirects` : `a redirect to another origin (${next.origin})`;
                fail(
                  new RexsysTransportError(
                    'E_HTTP',
                    `POST ${pathOf(target)} answered HTTP ${res.status}, ${why}: not followed, because the request carries credentials. Point the client's url at the server itself.`,
                    { status: res.status, body: { location: next.origin + next.pathname } },
                  ),
                );
                return;
              }
            }
            let answer: unknown = res.data;
            if (typeof answer === 'string') {
              try {
                answer = JSON.parse(answer);
              } catch {
                /* keep the text */
              }
            }
            if (res.status < 200 || res.status >= 300) {
              fail(
                new RexsysTransportError('E_HTTP', `POST ${pathOf(target)} failed with HTTP ${res.status}${describeServerMessage(answer)}`, {
                  status: res.status,
                  body: answer,
                }),
              );
              return;
            }
            const envelope = decodeWith(AnyEnvelope, answer, () => `POST ${pathOf(target)} answer`);
            if (E.isLeft(envelope)) {
              fail(envelope.left);
              return;
            }
            settled = true;
            subscriber.next(envelope.right);
            subscriber.complete();
          },
          (err: unknown) => {
            if (controller.signal.aborted) return;
            const where = pathOf(target);
            if (isAxiosError(err) && (err.code === 'ETIMEDOUT' || err.code === 'ECONNABORTED')) {
              fail(new RexsysTimeoutError(`POST ${where} got no answer within ${timeout} ms`, { timeoutMs: timeout, cause: err }));
              return;
            }
            const code = isAxiosError(err) ? err.code : undefined;
            const reason = isAxiosError(err) ? (err.code ?? err.message) : String(err);
            const mayHaveArrived = code === undefined || !NOT_SENT_CODES.has(code);
            const noResponse = isAxiosError(err) && err.response === undefined;
            const message = networkFailureMessage({ where, reason, url: target, body, pageOrigin: pageOrigin(), noResponse });
            fail(new RexsysTransportError('E_NETWORK', message, { mayHaveArrived, cause: err }));
          },
        );
    };
    post(url, 0);
    return () => {
      if (!settled) controller.abort();
    };
  });
}
