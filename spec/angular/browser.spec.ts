/**
 * rexsys-rx/angular in Chromium: a standalone Angular app (spec/angular/app, JIT, bundled
 * by esbuild) bootstrapped zoneless and with zone.js, on its own origin, against the
 * emulator. It must log in, show an injected message, send, and (with zone.js, on
 * socket.io's default long-polling transport) let the app become stable, which a client
 * subscribed inside the zone prevents (the control).
 *
 * Without /usr/bin/chromium (or $CHROMIUM_PATH) it is skipped, except under CI.
 */
import '@angular/compiler'; // first: the server render below JIT-compiles the app's component
import { bootstrapApplication, type BootstrapContext } from '@angular/platform-browser';
import { provideServerRendering, renderApplication } from '@angular/platform-server';
import { build, stop as stopEsbuild } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { CHROMIUM, CHROMIUM_ARGS, describeBrowser, nodeOnlyInputs, requireChromium } from '../support/chromium';
import { clientFactory, record, untilStatus } from '../support/client-helpers';
import { delay, waitFor } from '../support/wait';
import { AppComponent, appProviders, type AngularPage } from './app/app';

/** The page shell, loading one of the bundles. */
const shell = (script: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>rexsys-rx angular</title></head><body><app-root></app-root><script type="module" src="/${script}.js"></script></body></html>`;

const describeInBrowser = describeBrowser('Angular app in chromium');

describeInBrowser('rexsys-rx/angular in Chromium (zoneless and zone.js) against the emulator', () => {
  jest.setTimeout(60_000);

  let emulator: RexsysEmulator;
  let pageServer: Server | undefined;
  let origin: string;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  const peers = clientFactory(() => emulator.url);
  const scripts = new Map<string, string>();
  let serverRendered = '';
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    requireChromium();
    const started = Date.now();
    userDataDir = mkdtempSync(join(tmpdir(), 'rexsys-rx-angular-chromium-'));
    const [bundled, emu, browser] = await Promise.allSettled([
      build({
        entryPoints: [join(__dirname, 'app/main-zoneless.ts'), join(__dirname, 'app/main-zone.ts')],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        outdir: join(tmpdir(), 'rexsys-rx-angular-out'), // not written (write: false)
        write: false,
        metafile: true,
        logLevel: 'silent',
      }),
      // The demo project, plus a key for the app's screen component.
      startEmulator({ port: 0, projects: { demo: { 'KIOSK-KEY': 'kiosk-01', 'DISPLAY-KEY': 'display-01', 'SCREEN-KEY': 'screen-01' } } }),
      chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
    ]);
    if (emu.status === 'fulfilled') emulator = emu.value;
    if (browser.status === 'fulfilled') context = browser.value;
    for (const r of [bundled, emu, browser]) if (r.status === 'rejected') throw r.reason;
    if (bundled.status === 'fulfilled') {
      // esbuild's own helpers (decorators) show up as a '<runtime>' import: not Node code.
      expect(nodeOnlyInputs(bundled.value.metafile).filter((f) => !f.endsWith('-> <runtime>'))).toEqual([]);
      for (const file of bundled.value.outputFiles) if (file.path.endsWith('.js')) scripts.set(basename(file.path, '.js'), file.text);
    }
    timings['bundle + emulator + browser'] = Date.now() - started;

    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const html = /^\/(main-zoneless|main-zone)\.html$/.exec(path);
      const js = /^\/(main-zoneless|main-zone)\.js$/.exec(path);
      if (html) res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(shell(html[1]));
      else if (path === '/hydrate.html') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(serverRendered);
      else if (js && scripts.has(js[1])) res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(scripts.get(js[1]));
      else res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
    });
    pageServer = server;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 90_000);

  afterEach(() => peers.closeAll());
  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await new Promise<void>((ok) => (pageServer ? pageServer.close(() => ok()) : ok()));
    await emulator?.close();
    await stopEsbuild();
    if (Object.keys(timings).length > 0) console.log(`angular browser.spec timings (ms): ${JSON.stringify(timings)}`);
  });

  async function open(variant: 'main-zoneless' | 'main-zone' | 'hydrate', extra = ''): Promise<{ page: Page; errors: string[]; logs: string[] }> {
    const page = await context!.newPage();
    const errors: string[] = [];
    const logs: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      logs.push(m.text());
      if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
    });
    await page.goto(`${origin}/${variant}.html?url=${encodeURIComponent(emulator.url)}${extra}`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.trim() === 'ready', undefined, { timeout: 15_000 });
    return { page, errors, logs };
  }
  const angularPage = (page: Page) =>
    page.evaluate(() => {
      const { zone, stable, stableCount } = (globalThis as unknown as { angularPage: AngularPage }).angularPage;
      return { zone, stable, stableCount };
    });
  /**
   * Destroys the app in the page (its DestroyRef closes the client: the server hears of it at
   * once, even on long-polling), waits for the session to go, closes the page.
   */
  async function closeApp(page: Page, uid = 'display-01'): Promise<void> {
    await page.evaluate(() => (globalThis as unknown as { angularPage: AngularPage }).angularPage.destroy?.());
    await waitFor(() => !emulator.sessions().some((s) => s.uid === uid), { message: `${uid}'s session closed by appRef.destroy()` });
    await page.close();
  }

  it.each(['main-zoneless', 'main-zone'] as const)('%s: logs in, shows an injected message, sends, and the app becomes stable', async (variant) => {
    const started = Date.now();
    const { page, errors } = await open(variant);
    expect(await page.locator('#uid').innerText()).toBe('display-01');
    expect((await angularPage(page)).zone).toBe(variant === 'main-zone');

    expect(emulator.inject('display-01', { command: 'show', data: { url: `/ng/${variant}` }, sender: 'kiosk-01' })).toBe(1);
    await page.waitForFunction((v) => document.querySelector('#show')?.textContent?.trim() === `/ng/${v}`, variant, { timeout: 10_000 });

    const kiosk = peers.make('KIOSK-KEY');
    const atKiosk = record(kiosk.command$('ping'));
    await untilStatus(kiosk, 'ready');
    await page.click('#ping');
    await page.waitForFunction(() => document.querySelector('#result')?.textContent?.trim() === 'sent via socket', undefined, { timeout: 10_000 });
    await waitFor(() => atKiosk.values.length === 1, { message: 'the ping at kiosk-01' });
    expect(atKiosk.values[0]).toMatchObject({ sender: 'display-01', data: { at: 42 } });
    atKiosk.sub.unsubscribe();

    // A component with its own provideRexsys(): its own client, closed with the component.
    await page.click('#toggle-screen');
    await page.waitForFunction(() => document.querySelector('#screen')?.textContent?.trim() === 'ready as screen-01', undefined, { timeout: 10_000 });
    expect(emulator.sessions().filter((s) => s.uid === 'screen-01')).toHaveLength(1);
    await page.click('#toggle-screen');
    await waitFor(() => !emulator.sessions().some((s) => s.uid === 'screen-01'), { message: "the screen's client closed with it" });
    expect(await page.locator('#status').innerText()).toBe('ready'); // the app's connection stays

    // The app becomes stable while the socket is open and logged in.
    await page.waitForFunction(() => (globalThis as unknown as { angularPage: AngularPage }).angularPage.stable, undefined, { timeout: 10_000 });
    expect(errors).toEqual([]);
    await closeApp(page);
    timings[variant] = Date.now() - started;
  });

  it('hydration: HTML rendered on the server (no socket there) is hydrated in the browser, which then connects', async () => {
    serverRendered = await renderApplication(
      (context: BootstrapContext) =>
        bootstrapApplication(AppComponent, { providers: [...appProviders(emulator.url, false), provideServerRendering()] }, context),
      { document: shell('main-zoneless'), url: '/hydrate.html' },
    );
    expect(serverRendered).toMatch(/<p id="status">\s*idle\s*<\/p>/);
    expect(serverRendered).toContain('ngh'); // hydration annotations
    expect(emulator.sessions()).toHaveLength(0);

    const { page, errors, logs } = await open('hydrate');
    expect(logs.filter((l) => /hydrated [1-9]\d* component/i.test(l))).toHaveLength(1);
    expect(await page.locator('#uid').innerText()).toBe('display-01');
    expect(errors).toEqual([]);
    await closeApp(page);
  });

  it('the control: with zone.js, a client subscribed inside the zone keeps the app from becoming stable', async () => {
    const { page } = await open('main-zone', '&control=inside');
    await waitFor(() => ['display-01', 'kiosk-01'].every((uid) => emulator.sessions().some((s) => s.uid === uid && s.loggedIn)), {
      message: 'both clients logged in',
    });
    await delay(1500);
    expect(await angularPage(page)).toMatchObject({ zone: true, stable: false });
    await closeApp(page);
  });
});
