/**
 * The Angular test app of spec/angular/browser.spec.ts: a standalone component using
 * rexsys-rx/angular, bundled by esbuild for Chromium (JIT: no Angular CLI here).
 * `main-zoneless.ts` and `main-zone.ts` bootstrap it without and with zone.js; the spec
 * also renders it on the server (@angular/platform-server) for hydration.
 */
import '@angular/compiler'; // JIT: the component's template is compiled at run time
import { Component, provideZoneChangeDetection, provideZonelessChangeDetection, signal, type EnvironmentProviders, type Provider } from '@angular/core';
import { bootstrapApplication, provideClientHydration } from '@angular/platform-browser';
import * as t from 'io-ts';
import { injectCommand, injectRexsys, provideRexsys } from '../../../lib/angular/index';
import { createRexsysClient } from '../../../lib/index';

const Show = t.type({ url: t.string }, 'Show');
const Ping = t.type({ at: t.number }, 'Ping');
const commands = { show: Show, ping: Ping };

/** The page's query string (empty on the server). */
const query = () => new URLSearchParams(typeof location === 'undefined' ? '' : location.search);

/** A screen with its own connection (component-level providers), open while it is shown. */
@Component({
  selector: 'app-screen',
  providers: [provideRexsys({ url: query().get('url') ?? '', project: 'demo', productkey: 'SCREEN-KEY', commands })],
  template: `<p id="screen">{{ rexsys.state().status }} as {{ rexsys.state().uid ?? '' }}</p>`,
})
class ScreenComponent {
  protected readonly rexsys = injectRexsys<typeof commands>();
}

@Component({
  selector: 'app-root',
  imports: [ScreenComponent],
  template: `
    <p id="status">{{ rexsys.state().status }}</p>
    <p id="uid">{{ rexsys.state().uid ?? '' }}</p>
    <p id="show">{{ show()?.data?.url ?? 'nothing yet' }}</p>
    <button id="ping" [disabled]="!rexsys.ready()" (click)="ping()">Ping</button>
    <p id="result">{{ result() }}</p>
    <button id="toggle-screen" (click)="screen.set(!screen())">Screen</button>
    @if (screen()) {
      <app-screen />
    }
  `,
})
export class AppComponent {
  protected readonly rexsys = injectRexsys<typeof commands>();
  protected readonly show = injectCommand('show', Show);
  protected readonly result = signal('');
  protected readonly screen = signal(false);

  constructor() {
    // The control: a client subscribed inside the zone (as a naive service would) keeps a zone app unstable.
    if (query().get('control') === 'inside') {
      createRexsysClient({ url: query().get('url') ?? '', project: 'demo', productkey: 'KIOSK-KEY' }).state$.subscribe();
    }
  }

  ping(): void {
    this.rexsys.send({ receiver: 'kiosk-01', command: 'ping', data: { at: 42 } }).subscribe({
      next: (r) => this.result.set(`sent via ${r.via}`),
      error: (e: { code?: string }) => this.result.set(`failed: ${e.code}`),
    });
  }
}

/** The app's providers, in the browser and on the server alike. */
export function appProviders(url: string, withZone: boolean): Array<Provider | EnvironmentProviders> {
  return [
    withZone ? provideZoneChangeDetection() : provideZonelessChangeDetection(),
    provideClientHydration(), // hydrates server-rendered HTML; plain rendering otherwise
    // socket.io's defaults (long-polling first, then the upgrade): the timers and requests a zone would track.
    provideRexsys({ url, project: 'demo', productkey: 'DISPLAY-KEY', commands, restBody: 'form' }),
  ];
}

/** What the test reads: whether the app is stable now, and how often it was. */
export interface AngularPage {
  zone: boolean;
  stable: boolean;
  stableCount: number;
  /** Destroys the app (its DestroyRef closes the Rexsys client, which tells the server at once). */
  destroy?: () => void;
}

export async function start(): Promise<void> {
  const withZone = typeof (globalThis as { Zone?: unknown }).Zone !== 'undefined';
  const page: AngularPage = { zone: withZone, stable: false, stableCount: 0 };
  (globalThis as unknown as { angularPage: AngularPage }).angularPage = page;
  const appRef = await bootstrapApplication(AppComponent, { providers: appProviders(query().get('url') ?? '', withZone) });
  page.destroy = () => appRef.destroy();
  appRef.isStable.subscribe((stable) => {
    page.stable = stable;
    if (stable) page.stableCount++;
  });
}
