/**
 * rexsys-rx/vue: a plugin that makes one rexsys-rx client per app (when the plugin is
 * installed, not when a module is imported), and composables typed by the command map.
 *
 * - SSR-safe: outside a browser (server-side rendering) the plugin makes no client; the
 *   composables return an inert `idle` state, never-changing refs, and sends that fail
 *   with `E_CLOSED`. Nothing opens a socket or starts a timer on the server.
 * - Composables subscribe for the current effect scope (in a component once it is
 *   mounted, so hydration sees the server's state; in a bare `effectScope()` at once) and
 *   unsubscribe when it is disposed.
 * - The client is closed when the app is unmounted.
 */
import {
  computed,
  getCurrentInstance,
  getCurrentScope,
  inject,
  onMounted,
  onScopeDispose,
  shallowRef,
  type App,
  type ComputedRef,
  type InjectionKey,
  type ShallowRef,
} from 'vue';
import type * as t from 'io-ts';
import { lastValueFrom } from 'rxjs';
import {
  createRexsysClient,
  type CommandCodecs,
  type ConnectionState,
  type RexsysClient,
  type RexsysMessage,
  type SendOptions,
  type SendReceipt,
} from '../index.js';
import {
  INERT_STATE,
  checkOptions,
  clientOptions,
  inBrowser,
  requestVia,
  serverError,
  type ActiveOn,
  type BindingOptions,
  type RequestMessage,
  type RequestOptions,
  type Unmapped,
} from '../bindings/shared.js';

export type { ActiveOn, RequestMessage, RequestOptions };

/**
 * Declaration merging point: register your command map once and every composable is
 * typed by it.
 *
 * ```ts
 * declare module 'rexsys-rx/vue' {
 *   interface RexsysRegister { commands: typeof commands }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RexsysRegister {}

/** The registered command map ({@link RexsysRegister}), or any command if none is registered. */
export type RegisteredCommands = RexsysRegister extends { commands: infer C extends CommandCodecs } ? C : CommandCodecs;

/** Options of {@link createRexsys}: the client's options, plus where it runs. */
export type RexsysOptions<C extends CommandCodecs = CommandCodecs> = BindingOptions<C>;

/** What the plugin provides to the app. */
export interface RexsysContext<C extends CommandCodecs = CommandCodecs> {
  /** The client; `null` where none runs (server-side rendering). */
  readonly client: RexsysClient<C> | null;
}

/**
 * The key the plugin provides its {@link RexsysContext} under. A registered symbol, so the
 * ES module and CommonJS builds of this entry (both loaded by some SSR setups) agree on it.
 */
export const REXSYS_KEY: InjectionKey<RexsysContext> = Symbol.for('rexsys-rx/vue');

/** The plugin `createRexsys` returns. */
export interface RexsysPlugin {
  install(app: App): void;
}

/**
 * The Vue plugin: `app.use(createRexsys({ url, project, productkey, commands }))`.
 * Installing it makes the app's client (in a browser; see `activeOn`); unmounting the
 * app closes it. The client is lazy: nothing connects until a component uses it.
 */
export function createRexsys<const C extends CommandCodecs = CommandCodecs>(options: RexsysOptions<C>): RexsysPlugin {
  return {
    install(app: App): void {
      checkOptions('createRexsys', options);
      const active = (options.activeOn ?? 'browser') === 'any' || inBrowser();
      const client = active ? createRexsysClient(clientOptions(options)) : null;
      app.provide(REXSYS_KEY, { client });
      if (client) onAppUnmount(app, () => client.close());
    },
  };
}

/** `app.onUnmount` (Vue 3.5), or a wrapped `app.unmount` before it. */
function onAppUnmount(app: App, cleanup: () => void): void {
  const withHook = app as App & { onUnmount?: (fn: () => void) => void };
  if (typeof withHook.onUnmount === 'function') {
    withHook.onUnmount(cleanup);
    return;
  }
  const unmount = app.unmount.bind(app);
  app.unmount = () => {
    unmount();
    cleanup();
  };
}

function context(where: string): RexsysContext {
  const ctx = inject(REXSYS_KEY, null);
  if (!ctx) {
    throw new Error(`${where}: the rexsys-rx plugin is not installed. Call app.use(createRexsys({ url, project, productkey, commands })) before mounting.`);
  }
  return ctx;
}

function requireScope(where: string): void {
  if (!getCurrentScope()) {
    throw new Error(`${where} subscribes until its effect scope ends: call it in setup() (or inside an effectScope().run()).`);
  }
}

/**
 * Subscribes for the current scope: in a component once it is mounted (so the first
 * render, and hydration of server-rendered HTML, sees the state as it was before anything
 * connected), in a bare effect scope at once; unsubscribes when the scope is disposed.
 */
function subscribeInScope(where: string, subscribe: () => { unsubscribe(): void }): void {
  requireScope(where);
  let subscription: { unsubscribe(): void } | undefined;
  let disposed = false;
  onScopeDispose(() => {
    disposed = true;
    subscription?.unsubscribe();
  });
  if (getCurrentInstance()) {
    onMounted(() => {
      if (!disposed) subscription = subscribe();
    });
  } else {
    subscription = subscribe();
  }
}

/** The app's client (`null` during server-side rendering). Call it in `setup()` or `app.runWithContext()`. */
export function useRexsys<C extends CommandCodecs = RegisteredCommands>(): RexsysClient<C> | null {
  return context('useRexsys()').client;
}

/** What {@link useRexsysState} returns. */
export interface RexsysStateRefs {
  /** The connection state; `{ status: 'idle', attempt: 0 }` during SSR. */
  readonly state: Readonly<ShallowRef<ConnectionState>>;
  /** `state.status === 'ready'`. */
  readonly ready: ComputedRef<boolean>;
}

/**
 * The connection state as refs, for the lifetime of the calling component (or effect
 * scope). Holds the connection open while the scope lives: in a component from its
 * mount on, so the first render (and hydration) shows the state as it was before.
 */
export function useRexsysState(): RexsysStateRefs {
  const { client } = context('useRexsysState()');
  const state = shallowRef<ConnectionState>(client ? client.state : INERT_STATE);
  if (client) subscribeInScope('useRexsysState()', () => client.state$.subscribe((s) => (state.value = s)));
  return { state, ready: computed(() => state.value.status === 'ready') };
}

/** A command's data type under the registered map. */
type DataOf<K> = K extends keyof RegisteredCommands ? t.TypeOf<RegisteredCommands[K]> : unknown;

/**
 * A command's messages, for the lifetime of the calling component (or effect scope);
 * holds the connection open while it lives. `data` is decoded by the registered map's
 * codec (or the one given); a message that fails goes to `errors$` instead.
 *
 * - `useCommand('show')`: a ref of the last message (`undefined` until one arrives).
 * - `useCommand('show', (message) => …)`: calls back on each message.
 * - `useCommand('tick', TickCodec)` / `useCommand('tick', TickCodec, callback)`: any command, with a codec.
 */
// `& string` keeps K a string when an app registers its map (the rule sees only this repo's test registration).
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export function useCommand<K extends keyof RegisteredCommands & string>(command: K): Readonly<ShallowRef<RexsysMessage<DataOf<K>> | undefined>>;
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export function useCommand<K extends keyof RegisteredCommands & string>(command: K, handler: (message: RexsysMessage<DataOf<K>>) => void): void;
export function useCommand<A, O>(command: string, codec: t.Type<A, O, unknown>): Readonly<ShallowRef<RexsysMessage<A> | undefined>>;
export function useCommand<A, O>(command: string, codec: t.Type<A, O, unknown>, handler: (message: RexsysMessage<A>) => void): void;
export function useCommand(
  command: string,
  codecOrHandler?: t.Type<unknown, unknown, unknown> | ((message: RexsysMessage) => void),
  maybeHandler?: (message: RexsysMessage) => void,
): Readonly<ShallowRef<RexsysMessage | undefined>> | void {
  const { client } = context('useCommand()');
  const codec = typeof codecOrHandler === 'function' ? undefined : codecOrHandler;
  const handler = typeof codecOrHandler === 'function' ? codecOrHandler : maybeHandler;
  const last = shallowRef<RexsysMessage | undefined>(undefined);
  if (client) {
    const source = codec ? client.command$(command, codec) : client.command$(command);
    subscribeInScope('useCommand()', () => source.subscribe((m) => (handler ? handler(m) : (last.value = m))));
  }
  return handler ? undefined : last;
}

/** A typed send that resolves with the receipt (or rejects with a `RexsysError`). */
export interface SendFn<C extends CommandCodecs> {
  <K extends keyof C & string>(
    message: { readonly receiver: string; readonly command: K; readonly data: t.TypeOf<C[K]> },
    options?: SendOptions,
  ): Promise<SendReceipt>;
  <K extends string>(
    message: { readonly receiver: string; readonly command: K & Unmapped<C, K>; readonly data: unknown },
    options?: SendOptions,
  ): Promise<SendReceipt>;
}

/**
 * The app's send, typed by the registered map (or `useSend<typeof commands>()`).
 * Each call sends once and resolves with the receipt; a send outlives the component
 * that started it. During SSR it rejects with `E_CLOSED`.
 */
export function useSend<C extends CommandCodecs = RegisteredCommands>(): SendFn<C> {
  const { client } = context('useSend()');
  return (message: { receiver: string; command: string; data: unknown }, options?: SendOptions) =>
    client ? lastValueFrom(client.send(message, options)) : Promise.reject(serverError('send'));
}

/** A typed request that resolves with the reply's data. */
export interface RequestPromiseFn<C extends CommandCodecs> {
  <K extends keyof C & string, R = unknown>(message: RequestMessage<C, K>, options?: RequestOptions<R>): Promise<R>;
}

/**
 * The app's request (DESIGN §4: send, and resolve with the reply's data), typed by the
 * registered map. Needs a client with `request()`; with an older one every call rejects
 * with `E_INVALID_ARGUMENT`. During SSR it rejects with `E_CLOSED`.
 */
export function useRequest<C extends CommandCodecs = RegisteredCommands>(): RequestPromiseFn<C> {
  const { client } = context('useRequest()');
  const request = requestVia(client as RexsysClient<C> | null);
  return ((message: RequestMessage<C, keyof C & string>, options?: RequestOptions) => lastValueFrom(request(message, options))) as RequestPromiseFn<C>;
}
