/**
 * The library in a real browser (Debian's chromium, driven by playwright-core): the
 * page is bundled from the sources by esbuild for the browser, served from its own
 * origin, and talks to the emulator on another port (so REST and socket are
 * cross-origin and CORS is exercised). Node plays the other end with its own client.
 *
 * Without /usr/bin/chromium (or $CHROMIUM_PATH) the browser suite is skipped with a
 * message, except under CI, where it fails.
 */
import { build, stop as stopEsbuild, type Metafile } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { firstValueFrom } from 'rxjs';
import { createRexsysClient, type RexsysClient, type RexsysMessage } from '../../lib/index';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { untilStatus } from '../support/client-helpers';
import { waitFor } from '../support/wait';
import type { ReplyResult, RexsysPage, StartResult } from './page';
import { CHROMIUM, CHROMIUM_ARGS, describeBrowser, nodeOnlyInputs, requireChromium } from '../support/chromium';

const ROOT = resolve(__dirname, '../..');

/** Bundles an entry for the browser in memory; returns the code and esbuild's metafile. */
async function bundle(entry: string, options: { minify?: boolean } = {}): Promise<{ code: string; metafile: Metafile }> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2020',
    write: false,
    metafile: true,
    minify: options.minify ?? false,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0].text, metafile: result.metafile };
}

afterAll(async () => {
  await stopEsbuild();
});

describe('browser bundle of the main entry', () => {
  it('bundles lib/index.ts for platform browser with no Node built-ins, ws or http', async () => {
    const { code, metafile } = await bundle('lib/index.ts', { minify: true });
    expect(nodeOnlyInputs(metafile)).toEqual([]);
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((f) => f.includes('node_modules/socket.io-client/'))).toBe(true);
    expect(inputs.some((f) => f.includes('node_modules/engine.io-client/build/esm/'))).toBe(true); // browser build
    expect(inputs.some((f) => f.startsWith('lib/emulator/') || f.startsWith('lib/cli/'))).toBe(false);
    expect(code).not.toMatch(/require\(["'](node:)?(http|https|net|tls|zlib|fs|ws)["']\)/);
  });
});

const describeInBrowser = describeBrowser('browser e2e');

describeInBrowser('rexsys-rx in chromium against the emulator (cross-origin)', () => {
  jest.setTimeout(30_000);

  let emulator: RexsysEmulator;
  let pageServer: Server;
  let pageOrigin: string;
  let context: BrowserContext | undefined;
  let page: Page;
  let userDataDir: string | undefined;
  let kiosk: RexsysClient | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    const [{ code, metafile }, started] = await Promise.all([bundle('spec/browser/page.ts'), startEmulator({ port: 0 })]);
    emulator = started;
    expect(nodeOnlyInputs(metafile)).toEqual([]);

    const html = '<!doctype html><meta charset="utf-8"><title>rexsys-rx browser test</title><script type="module" src="/page.js"></script>';
    pageServer = createServer((req, res) => {
      if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
      else if (req.url === '/page.js') res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(code);
      else if (req.url === '/favicon.ico') res.writeHead(204).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => pageServer.listen(0, '127.0.0.1', ok));
    pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    expect(new URL(pageOrigin).origin).not.toBe(new URL(emulator.url).origin);

    userDataDir = mkdtempSync(join(tmpdir(), 'rexsys-rx-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => 'rexsysPage' in globalThis, undefined, { timeout: 10_000 });
  });

  afterAll(async () => {
    kiosk?.close();
    await context?.close().catch(() => undefined);
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await new Promise<void>((ok) => (pageServer ? pageServer.close(() => ok()) : ok()));
    await emulator?.close();
  });

  it('certifies, gets ready, receives a command from Node and answers over socket and REST', async () => {
    const started: StartResult = await page.evaluate((config) => (globalThis as unknown as { rexsysPage: RexsysPage }).rexsysPage.start(config), {
      url: emulator.url,
      project: 'demo',
      productkey: 'DISPLAY-KEY',
    });
    expect(started).toMatchObject({ origin: pageOrigin, certifiedUid: 'display-01', uid: 'display-01' });
    expect(started.tokenLength).toBeGreaterThan(0);
    expect(started.statuses).toEqual(expect.arrayContaining(['connecting', 'authenticating', 'ready']));
    expect(emulator.sessions()).toEqual([expect.objectContaining({ uid: 'display-01', loggedIn: true, sid: started.sid })]);

    // Node's own client sends a command over the socket to the page.
    kiosk = createRexsysClient({ url: emulator.url, project: 'demo', productkey: 'KIOSK-KEY', gracePeriod: 50 });
    const atKiosk: RexsysMessage[] = [];
    const sub = kiosk.messages$.subscribe((m) => atKiosk.push(m));
    await untilStatus(kiosk, 'ready');
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/slides/7', n: 7 } }, { via: 'socket' }));
    const show = await page.evaluate(() => (globalThis as unknown as { rexsysPage: RexsysPage }).rexsysPage.nextShow());
    expect(show).toMatchObject({ command: 'show', sender: 'kiosk-01', data: { url: '/slides/7', n: 7 } });

    // The page answers over the socket and over REST, with each REST body format.
    const replies: ReplyResult[] = await page.evaluate(
      (n) => (globalThis as unknown as { rexsysPage: RexsysPage }).rexsysPage.reply('kiosk-01', n),
      show.data.n,
    );
    const summary = replies.map((r) => `${r.body}: ${r.error ?? `ok via ${r.receipt?.via}`}`);
    expect(summary).toEqual(['socket: ok via socket', 'json: ok via rest', 'form: ok via rest', 'text: ok via rest']);

    await waitFor(() => atKiosk.filter((m) => m.command === 'ack').length === 4, { message: 'four acks at the Node client' });
    sub.unsubscribe();
    const acks = atKiosk.filter((m) => m.command === 'ack').map((m) => ({ sender: m.sender, data: m.data }));
    expect(acks).toEqual(
      expect.arrayContaining([
        { sender: 'display-01', data: { n: 7, via: 'socket', body: 'socket' } },
        { sender: 'display-01', data: { n: 7, via: 'rest', body: 'json' } },
        { sender: 'display-01', data: { n: 7, via: 'rest', body: 'form' } },
        { sender: 'display-01', data: { n: 7, via: 'rest', body: 'text' } },
      ]),
    );
    const fromPage = emulator.delivered().filter((d) => d.sender === 'display-01' && d.receiver === 'kiosk-01' && d.command === 'ack');
    expect(fromPage.map((d) => d.via)).toEqual(['socket', 'rest', 'rest', 'rest']);
    expect(emulator.delivered()).toEqual(
      expect.arrayContaining([expect.objectContaining({ via: 'socket', sender: 'kiosk-01', receiver: 'display-01', command: 'show' })]),
    );
    expect(emulator.dropped()).toEqual([]);

    expect(await page.evaluate(() => (globalThis as unknown as { rexsysPage: RexsysPage }).rexsysPage.errors())).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as { rexsysPage: RexsysPage }).rexsysPage.stop())).toBe('closed');
    await waitFor(() => !emulator.sessions().some((s) => s.uid === 'display-01'), { message: 'the page socket closed' });
    expect(pageErrors).toEqual([]);
  });

  it('a JSON REST send to another origin that answers no preflight names the CORS preflight and restBody: form (#17)', async () => {
    const noCors = createServer((_req, res) => res.writeHead(404).end('no CORS here'));
    await new Promise<void>((ok) => noCors.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(noCors.address() as AddressInfo).port}`;
      const error = await page.evaluate((u) => (globalThis as unknown as { rexsysPage: RexsysPage }).rexsysPage.sendWithoutCors(u), url);
      expect(error).toContain('CORS preflight');
      expect(error).toContain("restBody: 'form'");
      expect(error).toContain(pageOrigin);
    } finally {
      await new Promise<void>((ok) => noCors.close(() => ok()));
    }
  });
});
