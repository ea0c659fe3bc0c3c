/**
 * rexsys-rx/angular under real Angular injectors, without zone.js and without a browser,
 * against the emulator: provideRexsys / injectRexsys / injectCommand / provideRexsysTesting,
 * DestroyRef cleanup, and the inert server platform.
 */
import '@angular/compiler'; // first: parts of Angular ship partly compiled (JIT)
import { DestroyRef, EnvironmentInjector, Injector, PLATFORM_ID, createEnvironmentInjector, runInInjectionContext, type Provider } from '@angular/core';
import * as t from 'io-ts';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { firstValueFrom, take, timeout, toArray, type Observable } from 'rxjs';
import { REXSYS, injectCommand, injectRexsys, provideRexsys, provideRexsysTesting, type Rexsys, type RexsysOptions } from '../../lib/angular/index';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { clientFactory, untilStatus } from '../support/client-helpers';
import { recordLibraryTimers } from '../support/library-timers';
import { delay, waitFor } from '../support/wait';

const Show = t.intersection([t.type({ url: t.string }), t.partial({ title: t.string })], 'Show');
const Ping = t.type({ at: t.number }, 'Ping');
const commands = { show: Show, ping: Ping };
type Commands = typeof commands;

describe('rexsys-rx/angular (zoneless, real injectors, emulator)', () => {
  let emulator: RexsysEmulator;
  const peers = clientFactory(() => emulator.url);
  const injectors: EnvironmentInjector[] = [];

  const options = (url: string, extra: Partial<RexsysOptions<Commands>> = {}): RexsysOptions<Commands> => ({
    url,
    project: 'demo',
    productkey: 'DISPLAY-KEY',
    commands,
    gracePeriod: 50,
    backoff: { initialDelay: 50, maxDelay: 400 },
    socket: { transports: ['websocket'] },
    ...extra,
  });

  /** An app-like environment injector on a platform. */
  const appInjector = (platform: 'browser' | 'server' | null, providers: Parameters<typeof createEnvironmentInjector>[0]): EnvironmentInjector => {
    const platformProviders: Provider[] = platform ? [{ provide: PLATFORM_ID, useValue: platform }] : [];
    const root = Injector.create({ providers: platformProviders, name: `platform-${platform}` }) as EnvironmentInjector;
    const injector = createEnvironmentInjector(providers, root, 'app');
    injectors.push(injector, root);
    return injector;
  };
  const destroy = (injector: EnvironmentInjector) => {
    injector.destroy();
    injectors.splice(injectors.indexOf(injector), 1);
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterEach(async () => {
    peers.closeAll();
    for (const i of injectors.splice(0)) i.destroy();
    await waitFor(() => emulator.sessions().length === 0, { message: 'every socket closed' });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('in the browser: one client per provider, state signals, typed send, injectCommand for a component lifetime, closed by DestroyRef', async () => {
    // A long grace period: only close() (from DestroyRef) can end the session quickly.
    const app = appInjector('browser', [provideRexsys(options(emulator.url, { gracePeriod: 60_000 }))]);
    const rexsys = runInInjectionContext(app, () => injectRexsys<Commands>());
    expect(rexsys).toBe(app.get(REXSYS)); // one handle per provider
    expect(rexsys.active).toBe(true);
    expect(['idle', 'connecting', 'authenticating', 'ready']).toContain(rexsys.state().status);
    await waitFor(() => rexsys.ready(), { message: 'ready signal', timeout: 8000 });
    expect(rexsys.state()).toMatchObject({ status: 'ready', uid: 'display-01' });
    expect(emulator.sessions()).toHaveLength(1);

    // A "component": a child injector whose DestroyRef ends injectCommand's subscription.
    const component = createEnvironmentInjector([], app, 'component');
    const show = runInInjectionContext(component, () => injectCommand('show', Show));
    const anyPing = injectCommand('ping', Ping, { injector: component });
    expect(show()).toBeUndefined();

    const kiosk = peers.make('KIOSK-KEY');
    const atKiosk = firstValueFrom(kiosk.command$('ping').pipe(take(1), timeout(8000)));
    await untilStatus(kiosk, 'ready');
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/slides/1', title: '안녕' } }, { via: 'socket' }));
    await waitFor(() => show() !== undefined, { message: 'show signal' });
    expect(show()).toMatchObject({ command: 'show', sender: 'kiosk-01', data: { url: '/slides/1', title: '안녕' } });
    expect(anyPing()).toBeUndefined();

    // A malformed show goes to errors$, never to the signal.
    const firstError = firstValueFrom(rexsys.errors$.pipe(take(1), timeout(5000)));
    emulator.inject('display-01', { command: 'show', data: { nope: true }, sender: 'kiosk-01' });
    expect(await firstError).toMatchObject({ name: 'RexsysDecodeError', code: 'E_DECODE' });
    expect(show()?.data).toEqual({ url: '/slides/1', title: '안녕' });

    // The typed send (cold, one receipt).
    const receipt = await firstValueFrom(rexsys.send({ receiver: 'kiosk-01', command: 'ping', data: { at: 42 } }));
    expect(receipt).toMatchObject({ via: 'socket', receiver: 'kiosk-01', command: 'ping' });
    expect(await atKiosk).toMatchObject({ command: 'ping', sender: 'display-01', data: { at: 42 } });

    // request(): DESIGN §4; until the client has it, a clear E_INVALID_ARGUMENT.
    if (typeof (rexsys.client as unknown as { request?: unknown }).request !== 'function') {
      await expect(firstValueFrom(rexsys.request({ receiver: 'kiosk-01', command: 'ping', data: { at: 1 } }))).rejects.toMatchObject({
        code: 'E_INVALID_ARGUMENT',
      });
    }

    // The component goes: its subscription ends, the app's connection stays.
    destroy(component);
    emulator.inject('display-01', { command: 'show', data: { url: '/slides/2' }, sender: 'kiosk-01' });
    await firstValueFrom(rexsys.command$('show').pipe(take(1), timeout(5000))).catch(() => undefined);
    await delay(50);
    expect(show()?.data).toEqual({ url: '/slides/1', title: '안녕' });
    expect(rexsys.ready()).toBe(true);

    // The app goes: DestroyRef closes the client at once (no grace period), streams complete.
    const all = firstValueFrom(rexsys.messages$.pipe(toArray()));
    destroy(app);
    await expect(all).resolves.toEqual([]);
    expect(rexsys.state().status).toBe('closed');
    await waitFor(() => emulator.sessions().length === 0, { message: 'no session left after destroy()', timeout: 2000 });
  });

  it('provideRexsysTesting: any platform, the emulator demo project, websocket only', async () => {
    const app = appInjector(null, [provideRexsysTesting(emulator, { productkey: 'KIOSK-KEY', commands })]);
    const rexsys = runInInjectionContext(app, () => injectRexsys<Commands>());
    await waitFor(() => rexsys.ready(), { message: 'testing client ready', timeout: 8000 });
    expect(rexsys.state().uid).toBe('kiosk-01');
    expect(emulator.sessions()).toEqual([expect.objectContaining({ uid: 'kiosk-01', loggedIn: true })]);
  });

  it('on the server platform: no client, no socket, no timer; inert signals, silent streams, sends fail with E_CLOSED', async () => {
    // A bare TCP server as the "Rexsys" URL: any connection attempt would show up here.
    const attempts: Socket[] = [];
    const trap: Server = createServer((s) => {
      attempts.push(s);
      s.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    try {
      const timers = recordLibraryTimers();
      const url = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
      const app = appInjector('server', [provideRexsys(options(url))]);
      const rexsys: Rexsys<Commands> = runInInjectionContext(app, () => injectRexsys<Commands>());
      const component = createEnvironmentInjector([], app);
      const show = runInInjectionContext(component, () => injectCommand('show', Show));
      expect(rexsys.active).toBe(false);
      expect(rexsys.client).toBeNull();
      expect(rexsys.state()).toEqual({ status: 'idle', attempt: 0 });
      expect(rexsys.ready()).toBe(false);
      expect(show()).toBeUndefined();
      const seen: unknown[] = [];
      const streams: Observable<unknown>[] = [rexsys.messages$, rexsys.errors$, rexsys.command$('show')];
      const subs = streams.map((s) => s.subscribe((v) => seen.push(v)));
      timers.stop();
      expect(timers.started).toEqual([]);
      await expect(firstValueFrom(rexsys.send({ receiver: 'kiosk-01', command: 'ping', data: { at: 1 } }))).rejects.toMatchObject({ code: 'E_CLOSED' });
      await expect(firstValueFrom(rexsys.request({ receiver: 'kiosk-01', command: 'ping', data: { at: 1 } }))).rejects.toMatchObject({ code: 'E_CLOSED' });
      rexsys.reconnect(); // a no-op
      await delay(200);
      subs.forEach((s) => s.unsubscribe());
      expect(seen).toEqual([]);
      expect(attempts).toHaveLength(0);
      component.destroy();

      // And pointed at the emulator, a server-platform app opens no session either.
      const atEmulator = appInjector('server', [provideRexsys(options(emulator.url))]).get(REXSYS);
      expect(atEmulator.state().status).toBe('idle');
      await delay(100);
      expect(emulator.sessions()).toHaveLength(0);
    } finally {
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });

  it('explains a missing provider, a missing option and a call outside an injection context', () => {
    const bare = appInjector('browser', []);
    expect(() => runInInjectionContext(bare, () => injectRexsys())).toThrow(/provideRexsys/);
    expect(() => injectRexsys()).toThrow(/injection context/);
    const broken = appInjector('browser', [provideRexsys({ url: '', project: 'demo', productkey: 'K' })]);
    expect(() => broken.get(REXSYS)).toThrow(/provideRexsys: missing url/);
  });

  it('the handle is per environment injector: a route-level provider gets its own client, closed with the route', async () => {
    const app = appInjector('browser', [provideRexsys(options(emulator.url, { productkey: 'KIOSK-KEY' }))]);
    const route = createEnvironmentInjector([provideRexsys(options(emulator.url))], app, 'route');
    const atApp = app.get(REXSYS);
    const atRoute = route.get(REXSYS);
    expect(atRoute).not.toBe(atApp);
    await waitFor(() => atApp.ready() && atRoute.ready(), { message: 'both ready', timeout: 8000 });
    expect(
      emulator
        .sessions()
        .map((s) => s.uid)
        .sort(),
    ).toEqual(['display-01', 'kiosk-01']);
    let routeDestroyed = false;
    route.get(DestroyRef).onDestroy(() => (routeDestroyed = true));
    route.destroy();
    expect(routeDestroyed).toBe(true);
    await waitFor(() => emulator.sessions().length === 1, { message: 'the route client closed' });
    expect(atApp.ready()).toBe(true);
  });
});
