/**
 * An Angular service around one rexsys-rx client: the recipe of docs/angular.md.
 *
 * - Built with `inject()` (no constructor parameters), so it works with or without
 *   decorator metadata, in standalone and NgModule apps alike.
 * - Browser only: on the server (SSR, prerendering) it creates no client and opens no
 *   socket; its signals hold an inert `idle` state and its streams never emit.
 * - Signals for templates (`state`, `lastMessage`), Observables for logic (`show$`),
 *   a typed `send()`. Signals need no zone.js: it works in zoneless apps.
 * - Closed with its injector (`DestroyRef`): the socket goes when the app (or the
 *   route/component injector that provided it) is destroyed.
 *
 * Copy it into your app and change the import of 'rexsys-rx' if needed (in this repo
 * it is mapped to the sources).
 */
import { isPlatformBrowser } from '@angular/common';
import {
  DestroyRef,
  Injectable,
  InjectionToken,
  NgZone,
  PLATFORM_ID,
  computed,
  inject,
  type EnvironmentProviders,
  type Signal,
  makeEnvironmentProviders,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import * as t from 'io-ts';
import { NEVER, type Observable, of, share, throwError } from 'rxjs';
import {
  RexsysClosedError,
  createRexsysClient,
  type ConnectionState,
  type RexsysClient,
  type RexsysClientOptions,
  type RexsysError,
  type RexsysMessage,
  type SendOptions,
  type SendReceipt,
} from 'rexsys-rx';

/** The commands this app speaks, as io-ts codecs: they type `show$` and `send()`. */
export const ShowCommand = t.intersection([t.type({ url: t.string }), t.partial({ title: t.string })], 'ShowCommand');
export type ShowCommand = t.TypeOf<typeof ShowCommand>;

export const rexsysCommands = {
  show: ShowCommand,
  ping: t.type({ at: t.number }, 'PingCommand'),
} as const;
export type RexsysCommands = typeof rexsysCommands;
export type RexsysCommandName = keyof RexsysCommands & string;

/** What the app configures: every client option except the command map (fixed above). */
export type RexsysConfig = Omit<RexsysClientOptions<RexsysCommands>, 'commands'>;

/** The client's configuration, e.g. `provideRexsys({ url, project, productkey })`. */
export const REXSYS_CONFIG = new InjectionToken<RexsysConfig>('REXSYS_CONFIG');

/** For `bootstrapApplication(App, { providers: [provideRexsys({ … })] })` or `app.config.ts`. */
export function provideRexsys(config: RexsysConfig): EnvironmentProviders {
  return makeEnvironmentProviders([{ provide: REXSYS_CONFIG, useValue: config }]);
}

/** The state shown where no client runs (on the server). */
const INERT_STATE: ConnectionState = { status: 'idle', attempt: 0 };

@Injectable({ providedIn: 'root' })
export class RexsysService {
  private readonly config = inject(REXSYS_CONFIG);

  /** The client, in the browser only. `null` during server-side rendering. */
  private readonly client: RexsysClient<RexsysCommands> | null = isPlatformBrowser(inject(PLATFORM_ID))
    ? createRexsysClient({ ...this.config, commands: rexsysCommands })
    : null;

  /** True where a client runs (the browser); false on the server. */
  readonly active = this.client !== null;

  /**
   * With zone.js, the socket (its polling requests, heartbeats and reconnect timers)
   * must live outside Angular's zone, or the app never becomes stable (hydration
   * waits for that). Zoneless apps have no zone (a no-op NgZone, or none at all).
   */
  private readonly zone = inject(NgZone, { optional: true });
  private outside<T>(fn: () => T): T {
    return this.zone ? this.zone.runOutsideAngular(fn) : fn();
  }

  /**
   * The connection state. `toSignal` subscribes now, which opens the socket for the
   * service's lifetime (the client is lazy: this is what makes it connect), and
   * unsubscribes when the injector is destroyed. `state$` replays synchronously.
   * Signals schedule change detection themselves: no zone needed.
   */
  readonly state: Signal<ConnectionState> = this.outside(() => toSignal(this.client?.state$ ?? of(INERT_STATE), { requireSync: true }));

  /** Convenience for templates: `@if (rexsys.ready()) { … }`. */
  readonly ready: Signal<boolean> = computed(() => this.state().status === 'ready');

  /** The last message received (any command), `undefined` until one arrives. */
  readonly lastMessage: Signal<RexsysMessage | undefined> = this.outside(() => toSignal(this.client?.messages$ ?? NEVER, { initialValue: undefined }));

  /**
   * `show` commands, `data` decoded and typed by {@link ShowCommand}; a malformed one
   * goes to `errors$` instead. Shared: one dispatcher listener however many subscribe.
   */
  readonly show$: Observable<RexsysMessage<ShowCommand>> = this.client ? this.client.command$('show').pipe(share()) : NEVER;

  /** Non-fatal errors (refused logins, undecodable messages, failed sends). */
  readonly errors$: Observable<RexsysError> = this.client?.errors$ ?? NEVER;

  constructor() {
    // Runs when the injector that created the service is destroyed (app, route or
    // component): ends every stream and closes the socket at once (no grace period).
    inject(DestroyRef).onDestroy(() => this.client?.close());
  }

  /** Messages of any command in the map, `data` typed by its codec. */
  command$<K extends RexsysCommandName>(command: K): Observable<RexsysMessage<t.TypeOf<RexsysCommands[K]>>> {
    return this.client ? this.client.command$(command) : NEVER;
  }

  /**
   * Sends one message; cold like the client's `send` (subscribe to send). Only the
   * commands of the map, with their data type. On the server it fails with `E_CLOSED`.
   */
  send<K extends RexsysCommandName>(receiver: string, command: K, data: t.TypeOf<RexsysCommands[K]>, options?: SendOptions): Observable<SendReceipt> {
    if (!this.client) {
      return throwError(() => new RexsysClosedError('No Rexsys client on the server (SSR): send from the browser.'));
    }
    return this.client.send({ receiver, command, data }, options);
  }

  /** Tries again after `unauthorized` (or exhausted retries), optionally with new credentials. */
  reconnect(...args: Parameters<RexsysClient['reconnect']>): void {
    this.client?.reconnect(...args);
  }
}
