/**
 * What the framework bindings (`rexsys-rx/angular`, `rexsys-rx/vue`) share. No framework
 * code here: only the public API of the main entry, and types.
 */
import type * as t from 'io-ts';
import { throwError, type Observable } from 'rxjs';
import {
  RexsysArgumentError,
  RexsysClosedError,
  type CommandCodecs,
  type ConnectionState,
  type RexsysClient,
  type RexsysClientOptions,
  type SendOptions,
} from '../index.js';

/** Where a binding makes a client: only in a browser (the default), or anywhere (Node, tests). */
export type ActiveOn = 'browser' | 'any';

/** The client options, plus where a client runs at all. */
export interface BindingOptions<C extends CommandCodecs = CommandCodecs> extends RexsysClientOptions<C> {
  /**
   * `'browser'`: a client only in a browser; during server-side rendering or prerendering
   * there is none (no socket, no HTTP call, no timer). `'any'`: a client everywhere
   * (a Node app, tests). @default 'browser'
   */
  readonly activeOn?: ActiveOn;
}

/** The state bindings show where no client runs (on the server). */
export const INERT_STATE: ConnectionState = Object.freeze({ status: 'idle', attempt: 0 });

/** `unknown` for a command outside the map (or any string); `never` for a mapped one: mapped commands must match their codec. */
export type Unmapped<C extends CommandCodecs, K extends string> = string extends K ? unknown : K extends keyof C ? never : unknown;

/** Options of a request (DESIGN §4): how long to wait for the reply, and a codec for its data. */
export interface RequestOptions<R = unknown> {
  /** Milliseconds to wait for the reply. */
  readonly timeout?: number;
  /** Decodes (and types) the reply's data. */
  readonly codec?: t.Decoder<unknown, R>;
}

/** A request message typed by the command map, like `send`'s. */
export type RequestMessage<C extends CommandCodecs, K extends keyof C & string> = {
  readonly receiver: string;
  readonly command: K;
  readonly data: t.TypeOf<C[K]>;
};

/**
 * `client.request` (DESIGN §4: an Observable of the reply's data), typed by the map.
 * The bindings call the client's `request` when it has one; older clients fail the
 * call with `E_INVALID_ARGUMENT`.
 */
export interface RequestFn<C extends CommandCodecs> {
  <K extends keyof C & string, R = unknown>(message: RequestMessage<C, K>, options?: RequestOptions<R>): Observable<R>;
}

/** Client-like object that may or may not have `request` yet. */
interface MaybeRequesting {
  request?: (message: unknown, options?: unknown) => Observable<unknown>;
}

/** Calls `client.request` where the client has it. */
export function requestVia<C extends CommandCodecs>(client: RexsysClient<C> | null): RequestFn<C> {
  return ((message: unknown, options?: unknown) => {
    if (!client) return throwError(() => serverError('request'));
    const request = (client as unknown as MaybeRequesting).request;
    if (typeof request !== 'function') {
      return throwError(() => new RexsysArgumentError('This rexsys-rx client has no request(): it needs a version with request/reply (0.2).'));
    }
    return request.call(client, message, options);
  }) as RequestFn<C>;
}

/** The error of a send or request made where no client runs. */
export function serverError(what: 'send' | 'request'): RexsysClosedError {
  return new RexsysClosedError(`No Rexsys client here (server-side rendering, or activeOn: 'browser' outside a browser): ${what} from the browser.`);
}

/** The client options without the binding's own. */
export function clientOptions<C extends CommandCodecs>(options: BindingOptions<C>): RexsysClientOptions<C> {
  const { activeOn: _activeOn, ...rest } = options;
  void _activeOn;
  return rest;
}

/** Names the options that are missing, so a missing `.env` value is not a blank page with a vague error. */
export function checkOptions(where: string, options: Partial<RexsysClientOptions>): void {
  const missing = (['url', 'project'] as const).filter((k) => typeof options[k] !== 'string' || options[k] === '');
  if (missing.length > 0) {
    throw new RexsysArgumentError(
      `${where}: missing ${missing.join(', ')} (got ${JSON.stringify({ url: options.url, project: options.project })}); ` +
        'if they come from environment variables (e.g. VITE_REXSYS_URL), check that they are set at build time.',
    );
  }
}

/** True in a browser (a `window` with a `document`), false in Node, SSR and workers. */
export function inBrowser(): boolean {
  return typeof window !== 'undefined' && typeof document !== 'undefined';
}

/** Re-exported for the bindings' signatures. */
export type { SendOptions };
