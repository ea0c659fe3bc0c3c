/**
 * Server-side rendering with @angular/platform-server (zoneless, no zone.js): a real
 * standalone app that injects Rexsys renders its inert state and opens no socket, makes
 * no HTTP call and leaves no timer behind.
 */
import '@angular/compiler'; // first: JIT-compiles the test component (and parts of @angular/common)
import { Component, provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication, type BootstrapContext } from '@angular/platform-browser';
import { provideServerRendering, renderApplication } from '@angular/platform-server';
import * as t from 'io-ts';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { injectCommand, injectRexsys, provideRexsys } from '../../lib/angular/index';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { recordLibraryTimers } from '../support/library-timers';
import { delay } from '../support/wait';

const Show = t.type({ url: t.string }, 'Show');
const commands = { show: Show };

@Component({
  selector: 'app-root',
  template: `<p id="status">status={{ rexsys.state().status }} ready={{ rexsys.ready() }} active={{ rexsys.active }}</p>
    <p id="show">show={{ show()?.data?.url ?? 'none' }}</p>`,
})
class AppComponent {
  protected readonly rexsys = injectRexsys<typeof commands>();
  protected readonly show = injectCommand('show', Show);
  constructor() {
    // Logic on commands, as a component would write it: never emits on the server.
    this.rexsys.command$('show').subscribe(() => undefined);
  }
}

describe('rexsys-rx/angular under @angular/platform-server (SSR)', () => {
  let emulator: RexsysEmulator;
  let trap: Server;
  const attempts: Socket[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    trap = createServer((s) => {
      attempts.push(s);
      s.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => trap.close(() => resolve()));
    await emulator.close();
  });

  const render = (url: string) =>
    renderApplication(
      (context: BootstrapContext) =>
        bootstrapApplication(
          AppComponent,
          {
            providers: [
              provideZonelessChangeDetection(),
              provideServerRendering(),
              provideRexsys({ url, project: 'demo', productkey: 'DISPLAY-KEY', commands, gracePeriod: 50 }),
            ],
          },
          context,
        ),
      { document: '<!doctype html><html><head></head><body><app-root></app-root></body></html>', url: '/' },
    );

  it('renders the inert state, opens no socket (emulator sessions, a TCP trap), no timer left', async () => {
    const timers = recordLibraryTimers();
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    const [atTrap, atEmulator] = await Promise.all([render(trapUrl), render(emulator.url)]);
    for (const html of [atTrap, atEmulator]) {
      expect(html).toContain('status=idle ready=false active=false');
      expect(html).toContain('show=none');
    }
    await delay(300);
    expect(attempts).toHaveLength(0);
    expect(emulator.sessions()).toHaveLength(0);
    expect(emulator.delivered()).toHaveLength(0);
    timers.stop();
    expect(timers.started).toEqual([]);
  });
});
