/**
 * rexsys-rx/angular: one rexsys-rx client per Angular application (or per environment
 * injector), typed by its command map, with signals for templates and Observables for
 * logic.
 *
 * Plain functions, an `InjectionToken` and factory providers: no decorators, so the
 * entry is ordinary ES2022 that needs no Angular compiler (neither partial-Ivy linking
 * nor JIT) in the library or in the app's build.
 *
 * - Browser only by default: on the server platform (SSR, prerendering) there is no
 *   client, no socket, no HTTP call and no timer; the signals hold an inert `idle` state.
 * - zone.js: the client's subscriptions are made outside Angular's zone (so sockets,
 *   heartbeats and reconnect timers never keep the app from becoming stable) and values
 *   are delivered back inside it. Zoneless apps: nothing to do.
 * - Closed with its injector (`DestroyRef`): the app's, or a route's.
 */
import {
  DestroyRef,
  InjectionToken,
  Injector,
  NgZone,
  PLATFORM_ID,
  assertInInjectionContext,
  computed,
  inject,
  signal,
  type Provider,
  type Signal,
} from '@angular/core';
import type * as t from 'io-ts';
import { NEVER, Observable, throwError } from 'rxjs';
import {
  createRexsysClient,
  type CommandCodecs,
  type ConnectionState,
  type FanOutResult,
  type RexsysClient,
  type RexsysCredentials,
  type RexsysError,
  type RexsysMessage,
  type SendOptions,
  type SendReceipt,
} from '../index.js';
import {
  INERT_STATE,
  checkOptions,
  clientOptions,
  requestVia,
  serverError,
  type ActiveOn,
  type BindingOptions,
  type RequestFn,
  type RequestMessage,
  type RequestOptions,
  type Unmapped,
} from '../bindings/shared.js';

export type { ActiveOn, RequestFn, RequestMessage, RequestOptions };

/**
 * Declaration merging point: register your command map once, and `injectRexsys()`,
 * `injectCommand()` and their `send` / `command$` / `request` are typed everywhere.
 *
 * ```ts
 * declare module 'rexsys-rx/angular' {
 *   interface RexsysRegister { commands: typeof commands }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RexsysRegister {}

/** The registered command map ({@link RexsysRegister}); without one, any command name (data typed by `t.Mixed`, as an untyped client's). */
export type RegisteredCommands = RexsysRegister extends { commands: infer C extends CommandCodecs } ? C : CommandCodecs;

/** Options of {@link provideRexsys}: the client's options, plus where it runs. */
export type RexsysOptions<C extends CommandCodecs = CommandCodecs> = BindingOptions<C>;

/** A typed send, as the client's (cold: subscribing sends once). */
export interface SendFn<C extends CommandCodecs> {
  <K extends keyof C & string>(
    message: { readonly receiver: string; readonly command: K; readonly data: t.TypeOf<C[K]> },
    options?: SendOptions,
  ): Observable<SendReceipt>;
  <K extends string>(
    message: { readonly receiver: string; readonly command: K & Unmapped<C, K>; readonly data: unknown },
    options?: SendOptions,
  ): Observable<SendReceipt>;
}

/** What {@link injectRexsys} returns: one per provider, shared by every component. */
export interface Rexsys<C extends CommandCodecs = RegisteredCommands> {
  /** The client, or `null` where none runs (the server platform). */
  readonly client: RexsysClient<C> | null;
  /** True where a client runs (the browser). */
  readonly active: boolean;
  /** The connection state, for templates; `{ status: 'idle', attempt: 0 }` on the server. */
  readonly state: Signal<ConnectionState>;
  /** `state().status === 'ready'`. */
  readonly ready: Signal<boolean>;
  /** Every decoded message (any command). Never emits on the server. */
  readonly messages$: Observable<RexsysMessage>;
  /** Non-fatal errors (refused logins, undecodable messages, failed sends). Never emits on the server. */
  readonly errors$: Observable<RexsysError>;
  /** Messages of one command, `data` decoded by the map's codec (or the one given). Never emits on the server. */
  command$<K extends keyof C & string>(command: K): Observable<RexsysMessage<t.TypeOf<C[K]>>>;
  command$<A, O>(command: string, codec: t.Type<A, O, unknown>): Observable<RexsysMessage<A>>;
  command$(command: string): Observable<RexsysMessage>;
  /** Sends one message per subscription, typed by the map. Fails with `E_CLOSED` on the server. */
  readonly send: SendFn<C>;
  /** Client-side fan-out (the server has no broadcast). Fails with `E_CLOSED` on the server. */
  fanOut(message: { readonly receivers: readonly string[]; readonly command: string; readonly data: unknown }, options?: SendOptions): Observable<FanOutResult>;
  /** A request and its reply's data (DESIGN §4), where the client has `request`; else `E_INVALID_ARGUMENT`. */
  readonly request: RequestFn<C>;
  /** Tries again after `unauthorized` (or exhausted retries), optionally with new credentials. No-op on the server. */
  reconnect(credentials?: RexsysCredentials): void;
}

/** The token behind {@link injectRexsys}; provided by {@link provideRexsys}. */
export const REXSYS = new InjectionToken<Rexsys<CommandCodecs>>('rexsys-rx');

/** Runs work outside Angular's zone and delivers values inside it; a no-op without zone.js. */
interface ZoneBridge {
  outside<T>(fn: () => T): T;
  inside(fn: () => void): void;
  /** `source` subscribed outside the zone, its notifications delivered inside. */
  bridge<T>(source: Observable<T>): Observable<T>;
}

function zoneBridge(zone: NgZone | null): ZoneBridge {
  if (!zone) {
    return { outside: (fn) => fn(), inside: (fn) => fn(), bridge: (source) => source };
  }
  const inside = (fn: () => void): void => {
    if (NgZone.isInAngularZone()) fn();
    else zone.run(fn);
  };
  return {
    outside: (fn) => zone.runOutsideAngular(fn),
    inside,
    bridge: <T>(source: Observable<T>) =>
      new Observable<T>((subscriber) =>
        zone.runOutsideAngular(() =>
          source.subscribe({
            next: (v) => inside(() => subscriber.next(v)),
            error: (e: unknown) => inside(() => subscriber.error(e)),
            complete: () => inside(() => subscriber.complete()),
          }),
        ),
      ),
  };
}

/** Whether this injector's platform gets a client. */
function isActive(activeOn: ActiveOn): boolean {
  if (activeOn === 'any') return true;
  const platform = inject(PLATFORM_ID, { optional: true });
  // Angular's platforms say 'browser' or 'server'; a bare injector (tests) has none: look at the globals.
  if (platform !== null && platform !== undefined) return platform === 'browser';
  return typeof window !== 'undefined' && typeof document !== 'undefined';
}

/** Builds the handle in the provider's injection context. */
function createHandle<C extends CommandCodecs>(options: RexsysOptions<C>): Rexsys<C> {
  checkOptions('provideRexsys', options);
  const zone = zoneBridge(inject(NgZone, { optional: true }));
  const destroyRef = inject(DestroyRef);
  const client: RexsysClient<C> | null = isActive(options.activeOn ?? 'browser') ? createRexsysClient(clientOptions(options)) : null;
  const state = signal<ConnectionState>(client ? client.state : INERT_STATE);

  if (client) {
    // Subscribing is what opens the socket (the client is lazy): the handle holds one
    // connection for the injector's lifetime, however many components use it. Outside
    // the zone, so socket.io's timers never keep the app from becoming stable.
    const subscription = zone.outside(() => client.state$.subscribe((s) => zone.inside(() => state.set(s))));
    destroyRef.onDestroy(() => {
      client.close(); // ends every stream (state shows 'closed'), fails pending sends, drops the socket at once
      subscription.unsubscribe();
    });
  }

  const never = <T>(): Observable<T> => NEVER;
  const handle: Rexsys<C> = {
    client,
    active: client !== null,
    state: state.asReadonly(),
    ready: computed(() => state().status === 'ready'),
    messages$: client ? zone.bridge(client.messages$) : never(),
    errors$: client ? zone.bridge(client.errors$) : never(),
    command$: ((command: string, codec?: t.Type<unknown, unknown, unknown>) =>
      client ? zone.bridge(codec ? client.command$(command, codec) : client.command$(command)) : never()) as Rexsys<C>['command$'],
    send: (message: { receiver: string; command: string; data: unknown }, sendOptions?: SendOptions) =>
      client ? zone.bridge((client as RexsysClient).send(message, sendOptions)) : throwError(() => serverError('send')),
    fanOut: (message, sendOptions) => (client ? zone.bridge(client.fanOut(message, sendOptions)) : throwError(() => serverError('send'))),
    request: ((message: RequestMessage<C, keyof C & string>, requestOptions?: RequestOptions) =>
      zone.bridge(requestVia(client)(message, requestOptions))) as RequestFn<C>,
    reconnect: (credentials) => client?.reconnect(credentials),
  };
  return handle;
}

/**
 * Provides one client for the injector it is listed in: the app's, a route's, or a
 * component's (plain providers, so `@Component({ providers })` takes them too):
 *
 * ```ts
 * bootstrapApplication(App, { providers: [provideRexsys({ url, project: 'acme', productkey: 'DISPLAY-KEY', commands })] });
 * ```
 *
 * The client is created when first injected, only in the browser (see `activeOn`), and
 * closed when that injector is destroyed (`DestroyRef`).
 */
export function provideRexsys<const C extends CommandCodecs = CommandCodecs>(options: RexsysOptions<C>): Provider[] {
  return [{ provide: REXSYS, useFactory: () => createHandle(options) }];
}

/**
 * The Rexsys handle of the nearest {@link provideRexsys}. Typed by the registered map
 * ({@link RexsysRegister}) or by a type argument: `injectRexsys<typeof commands>()`.
 * Call it in an injection context (a field initializer or constructor), or pass `injector`.
 */
export function injectRexsys<C extends CommandCodecs = RegisteredCommands>(options: { readonly injector?: Injector } = {}): Rexsys<C> {
  if (!options.injector) assertInInjectionContext(injectRexsys);
  const handle = options.injector ? options.injector.get(REXSYS, null) : inject(REXSYS, { optional: true });
  if (!handle) {
    throw new Error('injectRexsys(): no Rexsys provider. Add provideRexsys({ url, project, productkey, commands }) to the application providers.');
  }
  return handle;
}

/** Options of {@link injectCommand}. */
export interface InjectCommandOptions {
  /** Where to look for the provider and whose `DestroyRef` ends the subscription. @default the current injection context */
  readonly injector?: Injector;
}

/**
 * A command's last message as a signal (`undefined` until one arrives), for the
 * lifetime of the calling component, directive or service: subscribed in the current
 * injection context and unsubscribed by its `DestroyRef`. It holds the connection open
 * while it lives. On the server it stays `undefined`.
 *
 * ```ts
 * readonly show = injectCommand('show');          // Signal<RexsysMessage<Show> | undefined>
 * readonly tick = injectCommand('tick', TickCodec); // any command, with a codec
 * ```
 */
// `& string` keeps K a string when an app registers its map (the rule sees only this repo's test registration).
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export function injectCommand<K extends keyof RegisteredCommands & string>(
  command: K,
  options?: InjectCommandOptions,
): Signal<RexsysMessage<t.TypeOf<RegisteredCommands[K]>> | undefined>;
export function injectCommand<A, O>(command: string, codec: t.Type<A, O, unknown>, options?: InjectCommandOptions): Signal<RexsysMessage<A> | undefined>;
export function injectCommand(
  command: string,
  codecOrOptions?: t.Type<unknown, unknown, unknown> | InjectCommandOptions,
  maybeOptions?: InjectCommandOptions,
): Signal<RexsysMessage | undefined> {
  const codec = isCodec(codecOrOptions) ? codecOrOptions : undefined;
  const options = (isCodec(codecOrOptions) ? maybeOptions : codecOrOptions) ?? {};
  if (!options.injector) assertInInjectionContext(injectCommand);
  const injector = options.injector ?? inject(Injector);
  const handle = injectRexsys<CommandCodecs>({ injector });
  const last = signal<RexsysMessage | undefined>(undefined);
  if (handle.active) {
    const source = codec ? handle.command$(command, codec) : handle.command$(command);
    const subscription = source.subscribe((m) => last.set(m));
    injector.get(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }
  return last.asReadonly();
}

function isCodec(x: unknown): x is t.Type<unknown, unknown, unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { decode?: unknown }).decode === 'function' && typeof (x as { is?: unknown }).is === 'function';
}

/** Options of {@link provideRexsysTesting}: the client's, with `url` and `project` taken from the emulator. */
export type RexsysTestingOptions<C extends CommandCodecs = CommandCodecs> = Omit<RexsysOptions<C>, 'url' | 'project'> & {
  /** @default 'demo' (the emulator's ready-made project) */
  readonly project?: string;
};

/**
 * {@link provideRexsys} for tests against the emulator (`rexsys-rx/emulator`): a client
 * on any platform (jsdom, Node, TestBed), websocket only, a short grace period and quick
 * retries. Start the emulator in `beforeAll`; destroy the injector (or `TestBed`
 * resets it) to close the client.
 *
 * ```ts
 * const emulator = await startEmulator({ port: 0 });
 * TestBed.configureTestingModule({ providers: [provideRexsysTesting(emulator, { productkey: 'DISPLAY-KEY', commands })] });
 * ```
 */
export function provideRexsysTesting<const C extends CommandCodecs = CommandCodecs>(
  emulator: { readonly url: string },
  options: RexsysTestingOptions<C> = {},
): Provider[] {
  return provideRexsys<C>({
    project: 'demo',
    gracePeriod: 20,
    backoff: { initialDelay: 50, maxDelay: 400 },
    loginTimeout: 5_000,
    socket: { transports: ['websocket'] },
    activeOn: 'any',
    ...options,
    url: emulator.url,
  });
}
