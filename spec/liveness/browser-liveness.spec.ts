/**
 * The heartbeat in Chromium (#16): the page bundles the library (spec/liveness/live-page.ts)
 * and talks to the emulator.
 *  - Headless, through the DevTools protocol's network emulation: back `online`, the client
 *    reconnects at once instead of waiting out its backoff. (Going `offline` there closes the
 *    WebSocket itself, so the `offline` probe has nothing to find; it is unit-tested.)
 * (A hidden page's throttled timers could not be reproduced here: headless Chromium, and
 * headful Chromium under Xvfb without a window manager, keep background tabs and minimised
 * windows `visible` and unthrottled. What protects the heartbeat there, the verdict waiting
 * one more turn after a late timer, is exercised in Node by the busy-sender case of
 * heartbeat-link.spec.ts, whose burst blocks the event loop.)
 * Needs /usr/bin/chromium; under CI a missing one fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { CHROMIUM, CHROMIUM_ARGS, describeBrowser, requireChromium } from '../support/chromium';
import { delay, waitFor } from '../support/wait';
import type { LiveConfig, LivePage, LiveRecord } from './live-page';

const describeInBrowser = describeBrowser('browser liveness test');

const live = (page: Page) => ({
  start: (c: LiveConfig) => page.evaluate((config) => (globalThis as unknown as { live: LivePage }).live.start(config), c),
  record: () => page.evaluate(() => (globalThis as unknown as { live: LivePage }).live.record()),
  now: () => page.evaluate(() => (globalThis as unknown as { live: LivePage }).live.now()),
  close: () => page.evaluate(() => (globalThis as unknown as { live: LivePage }).live.close()),
});

describeInBrowser('the heartbeat in Chromium', () => {
  jest.setTimeout(40_000);
  let emulator: RexsysEmulator;
  let pageServer: Server;
  let pageUrl: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    requireChromium();
    const [bundled, started] = await Promise.all([
      build({
        entryPoints: [join(__dirname, 'live-page.ts')],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2020',
        write: false,
        logLevel: 'silent',
      }),
      startEmulator({ port: 0 }),
    ]);
    emulator = started;
    const code = bundled.outputFiles[0].text;
    const html = '<!doctype html><meta charset="utf-8"><title>liveness</title><script type="module" src="/live.js"></script>';
    pageServer = createServer((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
      else if (req.url === '/live.js') res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(code);
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => pageServer.listen(0, '127.0.0.1', ok));
    pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise<void>((ok) => (pageServer ? pageServer.close(() => ok()) : ok()));
    await emulator?.close();
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  async function open(): Promise<{ context: BrowserContext; page: Page }> {
    const dir = mkdtempSync(join(tmpdir(), 'rexsys-rx-live-'));
    dirs.push(dir);
    const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(pageUrl);
    await page.waitForFunction(() => 'live' in globalThis, undefined, { timeout: 10_000 });
    return { context, page };
  }

  const after = (r: LiveRecord, t: number) => ({
    heartbeats: r.heartbeats.filter((h) => h.at >= t),
    statuses: r.statuses.filter((s) => s.at >= t),
  });

  it('back online (DevTools network emulation): reconnects at once instead of waiting out a 5 s backoff', async () => {
    const { context, page } = await open();
    try {
      const p = live(page);
      await p.start({ url: emulator.url, project: 'demo', productkey: 'KIOSK-KEY', interval: 60_000, timeout: 1_500, backoffMs: 5_000 });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      const conditions = { latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
      // Chromium's offline emulation closes the WebSocket itself (transport close): no probe is needed to notice.
      await cdp.send('Network.emulateNetworkConditions', { offline: true, ...conditions });
      await waitFor(async () => (await p.record()).statuses.some((s) => s.status === 'reconnecting'), { timeout: 3_000, message: 'reconnecting once offline' });
      await delay(500); // now in a 5 s backoff wait
      const onAt = await p.now();
      await cdp.send('Network.emulateNetworkConditions', { offline: false, ...conditions });
      await waitFor(async () => after(await p.record(), onAt).statuses.some((s) => s.status === 'ready'), {
        timeout: 2_500,
        message: 'ready again well before the 5 s backoff ends',
      });
      const r = await p.record();
      const readyAt = after(r, onAt).statuses.find((s) => s.status === 'ready')!.at;
      expect(r.wakes.map((w) => w.what)).toEqual(expect.arrayContaining(['offline', 'online']));
      console.log(`[liveness] chromium back online: ready ${Math.round(readyAt - onAt)} ms after the online event (backoff 5,000 ms)`);
      await p.close();
    } finally {
      await context.close();
    }
  });
});
