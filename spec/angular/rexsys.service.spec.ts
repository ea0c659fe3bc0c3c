/**
 * The Angular recipe (examples/angular/rexsys.service.ts) under a real Angular injector,
 * without zone.js and without a browser, against the emulator.
 */
import '@angular/compiler'; // first: @angular/common ships partly compiled (JIT)
import { Injector, NgZone, PLATFORM_ID, type Provider } from '@angular/core';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, take, timeout, toArray, type Observable } from 'rxjs';
import { REXSYS_CONFIG, RexsysService, type RexsysConfig } from '../../examples/angular/rexsys.service';
import { createRexsysClient, type RexsysClient, type RexsysMessage } from '../../lib/index';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { untilStatus } from '../support/client-helpers';
import { delay, waitFor } from '../support/wait';

describe('Angular RexsysService (zoneless, inject(), DestroyRef)', () => {
  let emulator: RexsysEmulator;
  const clients: RexsysClient[] = [];
  const injectors: Array<Injector & { destroy(): void }> = [];

  const configFor = (url: string): RexsysConfig => ({
    url,
    project: 'demo',
    productkey: 'DISPLAY-KEY',
    gracePeriod: 50,
    backoff: { initialDelay: 50, maxDelay: 400 },
    socket: { transports: ['websocket'] },
  });

  /** An environment injector like the app's: platform, config and the service. */
  const injectorFor = (platform: 'browser' | 'server', config: RexsysConfig, extra: Provider[] = []) => {
    const providers: Provider[] = [{ provide: PLATFORM_ID, useValue: platform }, { provide: REXSYS_CONFIG, useValue: config }, RexsysService, ...extra];
    const injector = Injector.create({ providers, name: `rexsys-${platform}` }) as Injector & { destroy(): void };
    injectors.push(injector);
    return injector;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const i of injectors.splice(0)) i.destroy();
    await waitFor(() => emulator.sessions().length === 0, { message: 'every socket closed' });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('in the browser: connects, receives a typed command, sends, and closes with its injector', async () => {
    // A long grace period: only close() (from DestroyRef) can end the session quickly.
    const injector = injectorFor('browser', { ...configFor(emulator.url), gracePeriod: 60_000 });
    const service = injector.get(RexsysService);
    expect(service.active).toBe(true);
    // The state signal is synchronous from the start (requireSync) and reaches ready.
    expect(['idle', 'connecting', 'authenticating', 'ready']).toContain(service.state().status);
    await waitFor(() => service.state().status === 'ready', { message: 'service ready', timeout: 8000 });
    expect(service.ready()).toBe(true);
    expect(service.state().uid).toBe('display-01');
    expect(service.lastMessage()).toBeUndefined();

    const kiosk = createRexsysClient({ url: emulator.url, project: 'demo', productkey: 'KIOSK-KEY', gracePeriod: 50, socket: { transports: ['websocket'] } });
    clients.push(kiosk);
    const atKiosk = firstValueFrom(kiosk.command$('ping').pipe(take(1), timeout(8000)));
    await untilStatus(kiosk, 'ready');

    const shows = firstValueFrom(service.show$.pipe(take(1), timeout(5000)));
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/slides/1', title: '안녕' } }, { via: 'socket' }));
    const show = await shows;
    expect(show).toMatchObject({ command: 'show', sender: 'kiosk-01', data: { url: '/slides/1', title: '안녕' } });
    await waitFor(() => service.lastMessage()?.command === 'show', { message: 'lastMessage signal' });
    expect(service.lastMessage()).toMatchObject({ command: 'show', data: { url: '/slides/1' } });

    // A malformed show (while someone listens to show$) goes to errors$, not to show$.
    const received: unknown[] = [];
    const listening = service.show$.subscribe((m) => received.push(m));
    const firstError = firstValueFrom(service.errors$.pipe(take(1), timeout(5000)));
    emulator.inject('display-01', { command: 'show', data: { nope: true }, sender: 'kiosk-01' });
    expect(await firstError).toMatchObject({ name: 'RexsysDecodeError', code: 'E_DECODE' });
    await waitFor(() => service.lastMessage()?.data !== undefined && (service.lastMessage()?.data as { nope?: boolean }).nope === true, {
      message: 'raw message in lastMessage',
    });
    listening.unsubscribe();
    expect(received).toEqual([]);

    const receipt = await firstValueFrom(service.send('kiosk-01', 'ping', { at: 42 }));
    expect(receipt).toMatchObject({ via: 'socket', receiver: 'kiosk-01', command: 'ping' });
    const ping = (await atKiosk) as RexsysMessage;
    expect(ping).toMatchObject({ command: 'ping', sender: 'display-01', data: { at: 42 } });
    expect(emulator.delivered().map((d) => `${d.sender}>${d.receiver}:${d.command}`)).toEqual(
      expect.arrayContaining(['kiosk-01>display-01:show', 'display-01>kiosk-01:ping']),
    );

    // Destroying the injector runs DestroyRef.onDestroy: the client closes, the socket goes.
    kiosk.close();
    const states: string[] = [];
    const sub = service.show$.subscribe({ complete: () => states.push('show$ complete') });
    injector.destroy();
    injectors.splice(injectors.indexOf(injector), 1);
    expect(states).toEqual(['show$ complete']);
    sub.unsubscribe();
    await waitFor(() => emulator.sessions().length === 0, { message: 'no session left after injector.destroy()' });
  });

  it('on the server (SSR): opens no socket, exposes inert signals and streams', async () => {
    // A bare TCP server as the "Rexsys" URL: any connection attempt would show up here.
    const attempts: Socket[] = [];
    const trap: Server = createServer((s) => {
      attempts.push(s);
      s.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
      const injector = injectorFor('server', configFor(url));
      const service = injector.get(RexsysService);
      expect(service.active).toBe(false);
      expect(service.state()).toEqual({ status: 'idle', attempt: 0 });
      expect(service.ready()).toBe(false);
      expect(service.lastMessage()).toBeUndefined();
      const seen: unknown[] = [];
      const streams: Observable<unknown>[] = [service.show$, service.command$('ping'), service.errors$];
      const subs = streams.map((s) => s.subscribe((v) => seen.push(v)));
      await expect(firstValueFrom(service.send('kiosk-01', 'ping', { at: 1 }))).rejects.toMatchObject({ code: 'E_CLOSED' });
      await delay(300);
      subs.forEach((s) => s.unsubscribe());
      expect(seen).toEqual([]);
      expect(attempts).toHaveLength(0);
      injector.destroy();
      injectors.splice(injectors.indexOf(injector), 1);

      // And a server-platform service pointed at the emulator opens no session either.
      const atEmulator = injectorFor('server', configFor(emulator.url)).get(RexsysService);
      expect(atEmulator.state().status).toBe('idle');
      await delay(200);
      expect(emulator.sessions()).toHaveLength(0);
      expect(attempts).toHaveLength(0);
    } finally {
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });

  it('with an NgZone (zone.js apps): subscribes outside Angular, still reaches ready', async () => {
    let outside = 0;
    const zone = { runOutsideAngular: <T>(fn: () => T): T => (outside++, fn()), run: <T>(fn: () => T): T => fn() };
    const injector = injectorFor('browser', configFor(emulator.url), [{ provide: NgZone, useValue: zone }]);
    const service = injector.get(RexsysService);
    expect(outside).toBe(2); // state and lastMessage subscriptions
    await waitFor(() => service.ready(), { message: 'ready with a zone', timeout: 8000 });
  });

  it('toArray of a destroyed service completes instead of hanging', async () => {
    const injector = injectorFor('browser', configFor(emulator.url));
    const service = injector.get(RexsysService);
    const all = firstValueFrom(service.show$.pipe(toArray()));
    injector.destroy();
    injectors.splice(injectors.indexOf(injector), 1);
    await expect(all).resolves.toEqual([]);
  });
});

// Type checks of the service (npm run typecheck:angular); never called.
export function serviceTypeChecks(service: RexsysService): void {
  service.send('display-01', 'show', { url: '/a' });
  service.send('display-01', 'show', { url: '/a', title: 'x' });
  // @ts-expect-error url must be a string
  service.send('display-01', 'show', { url: 1 });
  // @ts-expect-error only commands of the map
  service.send('display-01', 'reboot', {});
  const url: string = service.lastMessage() === undefined ? '' : String(service.lastMessage()?.command);
  void url;
  service.show$.subscribe(({ data }) => {
    const u: string = data.url;
    const title: string | undefined = data.title;
    void u;
    void title;
  });
}
