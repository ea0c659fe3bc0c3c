/**
 * The IndexedDB store in a real browser (chromium via playwright-core, the page bundled
 * by esbuild like spec/browser): pending confirmed sends survive a page reload and are
 * delivered after it; two tabs on one store hand over safely (the second waits, told by
 * E_STORE_LOCKED, and takes the first one's pending sends over when it closes).
 * Without chromium the suite is skipped with a warning, except under CI (then it fails).
 */
import { build, stop as stopEsbuild } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { RexsysMessage } from '../../lib/index';
import { CHROMIUM, CHROMIUM_ARGS, describeBrowser, nodeOnlyInputs, requireChromium } from '../support/chromium';
import { clientFactory, record } from '../support/client-helpers';
import { startEmulatorServer, type TestServer } from '../support/servers';
import { waitFor } from '../support/wait';
import type { StorePage } from './support/store-page';

const ROOT = resolve(__dirname, '../..');
type W = { storePage: StorePage };

describeBrowser('IndexedDB store')('indexedDbStore in chromium', () => {
  jest.setTimeout(30_000);
  let server: TestServer;
  let pageServer: Server;
  let origin: string;
  let context: BrowserContext;
  let userDataDir: string;
  const { make, closeAll } = clientFactory(() => server.url, { confirmation: { retransmitAfter: 150, maxProbeInterval: 400 } });

  beforeAll(async () => {
    requireChromium();
    const result = await build({
      entryPoints: [join(ROOT, 'spec/store/support/store-page.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2020',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(nodeOnlyInputs(result.metafile)).toEqual([]);
    const code = result.outputFiles[0].text;
    server = await startEmulatorServer();
    const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
    pageServer = createServer((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
      else if (req.url === '/page.js') res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(code);
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => pageServer.listen(0, '127.0.0.1', ok));
    origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    userDataDir = mkdtempSync(join(tmpdir(), 'rexsys-rx-store-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  afterEach(() => closeAll());
  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await new Promise<void>((ok) => (pageServer ? pageServer.close(() => ok()) : ok()));
    await server?.close();
    await stopEsbuild();
  });

  const openPage = async (): Promise<Page> => {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => 'storePage' in globalThis, undefined, { timeout: 10_000 });
    return page;
  };
  const start = (page: Page, db: string) =>
    page.evaluate((c) => (globalThis as unknown as W).storePage.start(c), { url: server.url, productkey: 'KIOSK-KEY', db });
  const ns = (got: readonly RexsysMessage[]) => got.map((m) => (m.data as { n: number }).n);

  it('pending sends survive a reload and are delivered after it, once each, in order', async () => {
    const page = await openPage();
    await start(page, 'reload');
    expect(await page.evaluate(() => (globalThis as unknown as W).storePage.loaded(5000))).toBe('loaded');
    await page.evaluate(() => [1, 2, 3, 4, 5].forEach((n) => (globalThis as unknown as W).storePage.send(n)));
    // The durability point of IndexedDB: flush() resolves once committed.
    await page.evaluate(() => (globalThis as unknown as W).storePage.flush());
    await page.reload();
    await page.waitForFunction(() => 'storePage' in globalThis);
    await start(page, 'reload');
    expect(await page.evaluate(() => (globalThis as unknown as W).storePage.loaded(5000))).toBe('loaded');
    expect(await page.evaluate(() => (globalThis as unknown as W).storePage.pending())).toEqual([1, 2, 3, 4, 5].map((n) => ({ n, restored: true })));
    const display = make('DISPLAY-KEY');
    const got = record(display.command$('n'));
    await waitFor(async () => (await page.evaluate(() => (globalThis as unknown as W).storePage.outcomes.length)) === 5, { timeout: 10_000 });
    expect(ns(got.values)).toEqual([1, 2, 3, 4, 5]);
    expect(await page.evaluate(() => (globalThis as unknown as W).storePage.outcomes)).toEqual(
      [1, 2, 3, 4, 5].map(() => ({ status: 'delivered', restored: true })),
    );
    await page.close();
  });

  it('damaged records (hand-edited in IndexedDB) are skipped, deleted and reported (E_STORE); the rest loads', async () => {
    const page = await openPage();
    await start(page, 'damaged');
    expect(await page.evaluate(() => (globalThis as unknown as W).storePage.loaded(5000))).toBe('loaded');
    await page.evaluate(() => [21, 22].forEach((n) => (globalThis as unknown as W).storePage.send(n)));
    await page.evaluate(() => (globalThis as unknown as W).storePage.flush());
    await page.reload();
    await page.waitForFunction(() => 'storePage' in globalThis);
    // Damage it: one record's fields broken, one record of another shape, one under a key that does not match.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('damaged');
          open.onerror = () => reject(open.error ?? new Error('open failed'));
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction('records', 'readwrite');
            const os = tx.objectStore('records');
            const keys = os.getAllKeys();
            keys.onsuccess = () => {
              const first = keys.result[0];
              const get = os.get(first);
              get.onsuccess = () => {
                const v = get.result as { n: number; r: Record<string, unknown> };
                os.put({ n: v.n, r: { ...v.r, s: 'not a number' } }, first);
                os.put('garbage', 'x');
                os.put(v, 's\0elsewhere');
              };
            };
            tx.oncomplete = () => {
              db.close();
              resolve();
            };
          };
        }),
    );
    await start(page, 'damaged');
    expect(await page.evaluate(() => (globalThis as unknown as W).storePage.loaded(5000))).toBe('loaded');
    expect(await page.evaluate(() => (globalThis as unknown as W).storePage.pending())).toEqual([{ n: 22, restored: true }]);
    await waitFor(async () => (await page.evaluate(() => (globalThis as unknown as W).storePage.errors)).includes('E_STORE'));
    const display = make('DISPLAY-KEY');
    const got = record(display.command$('n'));
    await waitFor(() => got.values.length === 1, { timeout: 10_000 });
    expect(ns(got.values)).toEqual([22]);
    await page.close();
  });

  it('two tabs on one store: the second waits (E_STORE_LOCKED), takes over when the first closes, and sends the first one’s pending sends before its own', async () => {
    const a = await openPage();
    await start(a, 'tabs');
    expect(await a.evaluate(() => (globalThis as unknown as W).storePage.loaded(5000))).toBe('loaded');
    await a.evaluate(() => (globalThis as unknown as W).storePage.send(6));
    await a.evaluate(() => (globalThis as unknown as W).storePage.flush());
    const b = await openPage();
    await start(b, 'tabs');
    expect(await b.evaluate(() => (globalThis as unknown as W).storePage.loaded(500))).toBe('waiting');
    expect(await b.evaluate(() => (globalThis as unknown as W).storePage.errors)).toEqual(['E_STORE_LOCKED']);
    await b.evaluate(() => (globalThis as unknown as W).storePage.send(10));
    await a.close();
    expect(await b.evaluate(() => (globalThis as unknown as W).storePage.loaded(5000))).toBe('loaded');
    expect(await b.evaluate(() => (globalThis as unknown as W).storePage.pending())).toEqual([
      { n: 6, restored: true },
      { n: 10, restored: false },
    ]);
    const display = make('DISPLAY-KEY');
    const got = record(display.command$('n'));
    await waitFor(() => got.values.length === 2, { timeout: 10_000 });
    expect(ns(got.values)).toEqual([6, 10]);
    await b.close();
  });
});
