/**
 * The heartbeat in Chromium (#16): the page bundles the library (spec/liveness/live-page.ts)
 * and talks to the emulator (and python-socketio).
 *  - Headless, through the DevTools protocol's network emulation: back `online`, the client
 *    reconnects at once instead of waiting out its backoff. (Going `offline` there closes the
 *    WebSocket itself, so the `offline` probe has nothing to find; it is unit-tested.)
 *  - A hidden page: its window minimised through the DevTools protocol, so that
 *    `document.visibilityState` is 'hidden' and Chromium throttles its timers (1 wake-up a
 *    second; chained timers 1 a minute once IntensiveWakeUpThrottling's grace period is over,
 *    shortened here from 5 min to 10 s). The test measures that throttling in the page itself,
 *    so it cannot pass vacuously, and asserts that healthy links stay `ready` meanwhile, with
 *    no heartbeat verdict, and that becoming visible probes at once.
 *    Chromium is started by the test and attached over CDP with `noDefaults`
 *    (startChromiumOverCdp): Playwright's own launch emulates focus in every page, which
 *    keeps it `visible` and unthrottled even minimised.
 * Needs /usr/bin/chromium (and /usr/bin/python3 with python-socketio for the second peer);
 * under CI a missing one fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { CHROMIUM, CHROMIUM_ARGS, describeBrowser, requireChromium, startChromiumOverCdp } from '../support/chromium';
import { IN_CI } from '../support/ci';
import { pythonAvailable } from '../support/python-server';
import { startPythonServer, type TestServer } from '../support/servers';
import { delay, waitFor } from '../support/wait';
import type { LiveConfig, LivePage, LiveRecord } from './live-page';

const describeInBrowser = describeBrowser('browser liveness test');

const live = (page: Page) => ({
  start: (c: LiveConfig) => page.evaluate((config) => (globalThis as unknown as { live: LivePage }).live.start(config), c),
  record: () => page.evaluate(() => (globalThis as unknown as { live: LivePage }).live.record()),
  now: () => page.evaluate(() => (globalThis as unknown as { live: LivePage }).live.now()),
  visibilityState: () => page.evaluate(() => (globalThis as unknown as { live: LivePage }).live.visibilityState()),
  tick: (delay: number) => page.evaluate((d) => (globalThis as unknown as { live: LivePage }).live.tick(d), delay),
  metrics: (name: string) => page.evaluate((n) => (globalThis as unknown as { live: LivePage }).live.metrics(n), name),
  close: () => page.evaluate(() => (globalThis as unknown as { live: LivePage }).live.close()),
});

describeInBrowser('the heartbeat in Chromium', () => {
  jest.setTimeout(40_000);
  let emulator: RexsysEmulator;
  let python: TestServer | undefined;
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
    // The second peer whenever python-socketio is there, and always under CI (where a missing one fails).
    if (pythonAvailable() || IN_CI) python = await startPythonServer();
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
    await python?.close();
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

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length / 2) - 1)] ?? NaN;
  /** The longest time between consecutive instants. */
  const longestSpan = (at: number[]) => Math.max(0, ...at.slice(1).map((t, i) => t - at[i]));

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

  it('hidden for 35 s with its timers throttled (measured): healthy links stay ready with no heartbeat verdict; visible again, every client probes at once', async () => {
    const GRACE_S = 10; // IntensiveWakeUpThrottling's grace period (Chromium's default: minutes)
    const HIDDEN_MS = 35_000;
    const chrome = await startChromiumOverCdp([`--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/${GRACE_S}`]);
    try {
      const context = chrome.browser.contexts()[0];
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(pageUrl);
      await page.waitForFunction(() => 'live' in globalThis, undefined, { timeout: 10_000 });
      const p = live(page);
      const fast = { interval: 1_000, timeout: 1_000 };
      const clients: Array<{ name: string; url: string; productkey: string; interval?: number; timeout?: number }> = [
        { name: 'emulator 1 s / 1 s', url: emulator.url, productkey: 'KIOSK-KEY', ...fast },
        { name: 'emulator default 15 s / 5 s', url: emulator.url, productkey: 'DISPLAY-KEY' },
        ...(python ? [{ name: 'python-socketio 1 s / 1 s', url: python.url, productkey: 'KIOSK-KEY', ...fast }] : []),
      ];
      await Promise.all(clients.map((c) => p.start({ ...c, project: 'demo' })));
      await p.tick(100);
      await delay(1_000); // a visible second of the ticker, for comparison

      const cdp = await context.newCDPSession(page);
      const { windowId } = await cdp.send('Browser.getWindowForTarget');
      await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: 'minimized' } });
      await waitFor(async () => (await p.visibilityState()) === 'hidden', { timeout: 2_000, message: 'the minimised page hidden' });
      await delay(HIDDEN_MS);
      await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: 'normal' } });
      await waitFor(async () => (await p.visibilityState()) === 'visible', { timeout: 2_000, message: 'the restored page visible' });
      await delay(1_500); // the wake-up probes
      const r = await p.record();
      const metrics = await Promise.all(clients.map((c) => p.metrics(c.name)));
      const hiddenAt = r.visibility.find((v) => v.state === 'hidden')!.at;
      const shownAt = r.visibility.find((v) => v.state === 'visible' && v.at > hiddenAt)!.at;

      // Chromium's throttling, measured in the page: a chained 100 ms timeout.
      const ticks = (from: number, to: number) => r.ticks.filter((t) => t >= from && t < to);
      const visibleTicks = ticks(hiddenAt - 1_000, hiddenAt).length;
      const graceTicks = ticks(hiddenAt, hiddenAt + GRACE_S * 1_000);
      const graceGaps = graceTicks.slice(1).map((t, i) => t - graceTicks[i]);
      const afterGrace = ticks(hiddenAt + GRACE_S * 1_000, shownAt);
      const afterGraceGap = longestSpan([hiddenAt + GRACE_S * 1_000, ...afterGrace, shownAt]);
      const figures = clients.map((c, i) => {
        const hidden = r.heartbeats.filter((h) => h.client === c.name && h.at >= hiddenAt && h.at < shownAt);
        const rtts = hidden.map((h) => h.rtt).sort((a, b) => a - b);
        const woken = r.heartbeats.find((h) => h.client === c.name && h.at >= shownAt);
        return {
          client: c.name,
          hiddenOk: hidden.length,
          hiddenRttP50: rtts.length ? Math.round(rtts[Math.ceil(rtts.length / 2) - 1]) : undefined,
          hiddenRttMax: rtts.length ? Math.round(rtts[rtts.length - 1]) : undefined,
          hiddenLongestWithoutOk: Math.round(longestSpan([hiddenAt, ...hidden.map((h) => h.at), shownAt])),
          probeAfterVisibleMs: woken ? Math.round(woken.at - shownAt) : undefined,
          metrics: metrics[i]?.heartbeat,
        };
      });
      console.log(
        `[liveness] chromium hidden ${Math.round(shownAt - hiddenAt)} ms: a chained 100 ms timeout ran ${visibleTicks}x in the last visible second, ` +
          `${graceTicks.length}x in the first ${GRACE_S} s hidden (median gap ${Math.round(median(graceGaps))} ms), ` +
          `${afterGrace.length}x in the ${Math.round((shownAt - hiddenAt) / 1000) - GRACE_S} s after (longest gap ${Math.round(afterGraceGap)} ms)\n` +
          JSON.stringify(figures),
      );

      // The page was hidden the whole time...
      expect(r.visibility.filter((v) => v.at >= hiddenAt && v.at < shownAt).map((v) => v.state)).toEqual(['hidden']);
      expect(shownAt - hiddenAt).toBeGreaterThanOrEqual(HIDDEN_MS);
      // ...and its timers were throttled: ~10 turns a second while visible; hidden, one a second
      // at most, then (IntensiveWakeUpThrottling) one a minute at most.
      expect(visibleTicks).toBeGreaterThanOrEqual(7);
      expect(graceTicks.length).toBeLessThanOrEqual(GRACE_S + 1);
      expect(median(graceGaps)).toBeGreaterThanOrEqual(900);
      expect(afterGrace.length).toBeLessThanOrEqual(1);
      expect(afterGraceGap).toBeGreaterThanOrEqual(10_000);

      // Meanwhile every link stayed ready: no state change, no disconnection, and the 1 s
      // heartbeats kept proving their links (answered probes, not silence).
      expect(r.statuses.filter((s) => s.at >= hiddenAt && s.at < shownAt)).toEqual([]);
      expect(r.disconnects).toEqual([]);
      for (const f of figures.filter((_, i) => clients[i].interval === fast.interval)) {
        expect(f.hiddenOk).toBeGreaterThanOrEqual(HIDDEN_MS / 4_000);
      }
      // Visible again: a wake-up, so every client probes at once, even the one with a 15 s interval.
      for (const f of figures) expect(f.probeAfterVisibleMs).toBeLessThan(1_500);
      await p.close();
    } finally {
      await chrome.close();
    }
  }, 70_000);
});
