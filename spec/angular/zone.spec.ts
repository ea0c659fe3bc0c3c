/**
 * rexsys-rx/angular with zone.js: the client's socket, heartbeats and timers live
 * outside Angular's zone, so the zone (and the app) becomes stable while the socket is
 * open and logged in; values are delivered back inside the zone.
 */
import 'zone.js'; // first: patches timers, promises and event emitters for this test file
import '@angular/compiler';
import {
  Component,
  EnvironmentInjector,
  Injector,
  NgZone,
  PLATFORM_ID,
  createEnvironmentInjector,
  provideAppInitializer,
  provideZoneChangeDetection,
  runInInjectionContext,
} from '@angular/core';
import { bootstrapApplication, type BootstrapContext } from '@angular/platform-browser';
import { provideServerRendering, renderApplication } from '@angular/platform-server';
import * as t from 'io-ts';
import { filter, firstValueFrom } from 'rxjs';
import { injectCommand, injectRexsys, provideRexsys, provideRexsysTesting } from '../../lib/angular/index';
import { createRexsysClient } from '../../lib/index';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { waitFor } from '../support/wait';

const Show = t.type({ url: t.string }, 'Show');
const commands = { show: Show };

describe('rexsys-rx/angular with zone.js', () => {
  let emulator: RexsysEmulator;
  const cleanups: Array<() => void> = [];

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await waitFor(() => emulator.sessions().length === 0, { message: 'every socket closed' });
  });
  afterAll(async () => {
    await emulator.close();
  });

  const options = (productkey: string) => ({
    url: emulator.url,
    project: 'demo',
    productkey,
    commands,
    gracePeriod: 50,
    // socket.io's defaults (long-polling, then the websocket upgrade): what keeps a zone
    // busy (polling requests, ping timeouts). Websocket-only in Node leaves no zone task.
  });

  it('an NgZone stays free of macrotasks while the socket is open; messages arrive inside the zone', async () => {
    const zone = new NgZone({ enableLongStackTrace: false });
    const root = Injector.create({
      providers: [
        { provide: PLATFORM_ID, useValue: 'browser' },
        { provide: NgZone, useValue: zone },
      ],
    }) as EnvironmentInjector;
    const app = createEnvironmentInjector([provideRexsys(options('DISPLAY-KEY'))], root);
    cleanups.push(() => app.destroy());

    // A component's code runs inside the zone: injecting, subscribing, sending.
    const { rexsys, show, zones } = zone.run(() => {
      const rexsys = runInInjectionContext(app, () => injectRexsys<typeof commands>());
      const show = runInInjectionContext(app, () => injectCommand('show', Show));
      const zones: boolean[] = [];
      rexsys.command$('show').subscribe(() => zones.push(NgZone.isInAngularZone()));
      return { rexsys, show, zones };
    });
    // Connecting (socket.io's connect timer, the polling request): none of it in the zone.
    expect(zone.hasPendingMacrotasks).toBe(false);
    const busy: boolean[] = [];
    await waitFor(
      () => {
        busy.push(zone.hasPendingMacrotasks);
        return rexsys.ready();
      },
      { message: 'ready', timeout: 8000, interval: 5 },
    );
    expect(busy.filter(Boolean)).toEqual([]);
    expect(emulator.sessions()).toEqual([expect.objectContaining({ uid: 'display-01', loggedIn: true })]);
    expect(zone.hasPendingMacrotasks).toBe(false);
    expect(zone.isStable).toBe(true);

    emulator.inject('display-01', { command: 'show', data: { url: '/z' }, sender: 'kiosk-01' });
    await waitFor(() => show() !== undefined, { message: 'show' });
    expect(zones).toEqual([true]);

    // A send from a click handler (inside the zone): the receipt comes back inside it too.
    const kiosk = createRexsysClient(options('KIOSK-KEY'));
    cleanups.push(() => kiosk.close());
    const kioskReady = firstValueFrom(kiosk.state$.pipe(filter((s) => s.status === 'ready')));
    await kioskReady;
    const receiptZone = await new Promise<boolean>((resolve, reject) =>
      zone.run(() =>
        rexsys
          .send({ receiver: 'kiosk-01', command: 'show', data: { url: '/back' } }, { via: 'socket' })
          .subscribe({ next: () => resolve(NgZone.isInAngularZone()), error: reject }),
      ),
    );
    expect(receiptZone).toBe(true);
    expect(zone.hasPendingMacrotasks).toBe(false);

    // No control here: in Node, zone.js does not patch http, so socket.io's later timers
    // often start in the root zone even for a client subscribed inside Angular's zone.
    // spec/angular/browser.spec.ts has the control, in Chromium, where XHR is patched.
  });

  it('an app with provideZoneChangeDetection and a logged-in socket becomes stable (renderApplication, which waits for stability, completes)', async () => {
    @Component({ selector: 'app-root', template: '<p>status={{ rexsys.state().status }}</p>' })
    class AppComponent {
      protected readonly rexsys = injectRexsys<typeof commands>();
    }
    const started = Date.now();
    const html = await renderApplication(
      (context: BootstrapContext) =>
        bootstrapApplication(
          AppComponent,
          {
            providers: [
              provideZoneChangeDetection(),
              provideServerRendering(),
              // Any platform (this is the server platform), so a socket really is open.
              provideRexsysTesting(emulator, { productkey: 'DISPLAY-KEY', commands }),
              // Bootstrap waits until the socket is logged in; then the app must still become stable.
              provideAppInitializer(() => {
                const rexsys = injectRexsys();
                return firstValueFrom(rexsys.client!.state$.pipe(filter((s) => s.status === 'ready')));
              }),
            ],
          },
          context,
        ),
      { document: '<!doctype html><html><head></head><body><app-root></app-root></body></html>', url: '/' },
    );
    expect(html).toContain('status=ready');
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
