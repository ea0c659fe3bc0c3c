/**
 * The Angular test app of spec/angular/browser.spec.ts: a standalone component using
 * rexsys-rx/angular, bundled by esbuild for Chromium (JIT: no Angular CLI here).
 * `main-zoneless.ts` and `main-zone.ts` bootstrap it without and with zone.js.
 */
import '@angular/compiler'; // JIT: the component's template is compiled in the browser
import { Component, provideZoneChangeDetection, provideZonelessChangeDetection, signal } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import * as t from 'io-ts';
import { injectCommand, injectRexsys, provideRexsys } from '../../../lib/angular/index';
import { createRexsysClient } from '../../../lib/index';

const Show = t.type({ url: t.string }, 'Show');
const Ping = t.type({ at: t.number }, 'Ping');
const commands = { show: Show, ping: Ping };

const query = new URLSearchParams(location.search);
const url = query.get('url') ?? '';

@Component({
  selector: 'app-root',
  template: `
    <p id="status">{{ rexsys.state().status }}</p>
    <p id="uid">{{ rexsys.state().uid ?? '' }}</p>
    <p id="show">{{ show()?.data?.url ?? 'nothing yet' }}</p>
    <button id="ping" [disabled]="!rexsys.ready()" (click)="ping()">Ping</button>
    <p id="result">{{ result() }}</p>
  `,
})
class AppComponent {
  protected readonly rexsys = injectRexsys<typeof commands>();
  protected readonly show = injectCommand('show', Show);
  protected readonly result = signal('');

  constructor() {
    // The control: a client subscribed inside the zone (as a naive service would) keeps a zone app unstable.
    if (query.get('control') === 'inside') {
      createRexsysClient({ url, project: 'demo', productkey: 'KIOSK-KEY' }).state$.subscribe();
    }
  }

  ping(): void {
    this.rexsys.send({ receiver: 'kiosk-01', command: 'ping', data: { at: 42 } }).subscribe({
      next: (r) => this.result.set(`sent via ${r.via}`),
      error: (e: { code?: string }) => this.result.set(`failed: ${e.code}`),
    });
  }
}

/** What the test reads: whether the app is stable now, and how often it was. */
export interface AngularPage {
  zone: boolean;
  stable: boolean;
  stableCount: number;
  errors: string[];
}

export async function start(): Promise<void> {
  const withZone = typeof (globalThis as { Zone?: unknown }).Zone !== 'undefined';
  const page: AngularPage = { zone: withZone, stable: false, stableCount: 0, errors: [] };
  (globalThis as unknown as { angularPage: AngularPage }).angularPage = page;
  const appRef = await bootstrapApplication(AppComponent, {
    providers: [
      withZone ? provideZoneChangeDetection() : provideZonelessChangeDetection(),
      // socket.io's defaults (long-polling first, then the upgrade): the timers and requests a zone would track.
      provideRexsys({ url, project: 'demo', productkey: 'DISPLAY-KEY', commands, restBody: 'form' }),
    ],
  });
  appRef.isStable.subscribe((stable) => {
    page.stable = stable;
    if (stable) page.stableCount++;
  });
}
