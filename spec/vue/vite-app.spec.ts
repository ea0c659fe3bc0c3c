/**
 * A small Vue app (spec/vue/app) built by a real `vite build` (@vitejs/plugin-vue, SFCs,
 * `<script setup lang="ts">`), served from its own origin and run in headless Chromium
 * against the python-socketio Rexsys server (the engine the real server runs): it must
 * log in, show an injected message and send over the socket and over REST (cross-origin,
 * `restBody: 'form'`). The same app built with `vite build --ssr` renders in Node without
 * a socket, and the browser hydrates that HTML without mismatches.
 *
 * Needs /usr/bin/python3 with socketio + aiohttp and /usr/bin/chromium (or
 * $CHROMIUM_PATH): skipped with a warning without them, failed under CI.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { firstValueFrom } from 'rxjs';
import { createRexsysClient, type RexsysClient, type RexsysMessage } from '../../lib/index';
import { CHROMIUM, CHROMIUM_ARGS, describeBrowser, requireChromium } from '../support/chromium';
import { record, untilStatus } from '../support/client-helpers';
import { describePy, requirePython, startPythonRexsys, type PythonRexsys } from '../support/python-server';
import { waitFor } from '../support/wait';

const ROOT = resolve(__dirname, '../..');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');
const CONFIG = join(__dirname, 'app/vite.config.mjs');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** `vite build` in a child process (Vite is ES-module-only; jest runs CommonJS). */
function viteBuild(outDir: string, extra: string[] = []): Promise<{ ms: number; output: string }> {
  const started = Date.now();
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [VITE, 'build', '--config', CONFIG, '--outDir', outDir, '--emptyOutDir', ...extra], {
      cwd: ROOT,
      // As a user's `vite build`: jest sets NODE_ENV=test, which would give Vue's development build.
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) ok({ ms: Date.now() - started, output });
      else fail(new Error(`vite build failed (exit ${code}):\n${output}`));
    });
  });
}

/** Renders the SSR build's `render(url)` in a Node process (ES modules, as Vite emits them); resolves with the HTML. */
function renderOnServer(entry: string, rexsysUrl: string): Promise<string> {
  const script = `const { render } = await import(${JSON.stringify(pathToFileURL(entry).href)}); process.stdout.write(await render(${JSON.stringify(rexsysUrl)}));`;
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', fail);
    // The process must exit by itself: nothing (no socket, no timer) may keep it alive.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) ok(out);
      else fail(new Error(`SSR render failed (exit ${code}, ${signal}):\n${err}`));
    });
  });
}

/** Serves a folder (the build output) on 127.0.0.1. */
async function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return server;
}

const describeViteApp = describePy === describe.skip ? describe.skip : describeBrowser('Vue + Vite app in chromium');

describeViteApp('a Vite-built Vue app with rexsys-rx/vue, in Chromium, against python-socketio', () => {
  jest.setTimeout(60_000);

  let outDir: string;
  let ssrDir: string | undefined;
  let userDataDir: string | undefined;
  let server: PythonRexsys | undefined;
  let pageServer: Server | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let kiosk: RexsysClient | undefined;
  const pageErrors: string[] = [];
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    requirePython();
    requireChromium();
    outDir = mkdtempSync(join(tmpdir(), 'rexsys-rx-vite-'));
    // The SSR build imports its dependencies (vue, rxjs, …) by name: it lives in the repo (.tmp/) so Node finds them.
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    ssrDir = mkdtempSync(join(ROOT, '.tmp', 'vite-ssr-'));
    userDataDir = mkdtempSync(join(tmpdir(), 'rexsys-rx-vite-chromium-'));
    const started = Date.now();
    const clientBuild = viteBuild(outDir);
    const [built, ssrBuilt, python, browser] = await Promise.allSettled([
      clientBuild,
      // One after the other: Vite 8 refuses a second build of the same project while one runs.
      clientBuild.then(() => viteBuild(ssrDir!, ['--ssr', 'src/entry-server.ts'])),
      startPythonRexsys({ port: 0 }),
      chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
    ]);
    if (python.status === 'fulfilled') server = python.value;
    if (browser.status === 'fulfilled') context = browser.value;
    for (const r of [built, ssrBuilt, python, browser]) if (r.status === 'rejected') throw r.reason;
    if (built.status === 'fulfilled') timings['vite build'] = built.value.ms;
    timings['build + server + browser'] = Date.now() - started;
    pageServer = await serve(outDir);
  }, 90_000);

  afterAll(async () => {
    kiosk?.close();
    await context?.close().catch(() => undefined);
    await new Promise<void>((ok) => (pageServer ? pageServer.close(() => ok()) : ok()));
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    if (ssrDir) rmSync(ssrDir, { recursive: true, force: true });
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    if (Object.keys(timings).length > 0) console.log(`vite-app.spec timings (ms): ${JSON.stringify(timings)}`);
  });

  /** Unmounts the Vue app in the page (the plugin closes its client: the server hears of it at once), then closes the page. */
  async function closeApp(p: Page): Promise<void> {
    await p.evaluate(() => (window as unknown as { rexsysApp: { unmount(): void } }).rexsysApp.unmount());
    await waitFor(async () => !(await server!.sessions()).some((s) => s.uid === 'display-01'), { message: "display-01's session closed by app.unmount()" });
    await p.close();
  }

  it('the build holds the app and the library, no Node-only code; confirmed delivery and request/reply in a chunk of their own', () => {
    const assets = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js'));
    // The app's entry, and the code the client loads on first use (import()): this app uses neither.
    expect(assets).toEqual([expect.stringMatching(/^index-.+\.js$/), expect.stringMatching(/^reliable-.+\.js$/)]);
    const [entry, reliable] = assets.map((f) => readFileSync(join(outDir, 'assets', f), 'utf8'));
    expect(entry).toContain('/socket.io/'); // socket.io-client is in
    // The engine is in the chunk, not in the entry (a message of its; `includes`, not toContain: a failure would print the whole bundle).
    expect([entry.includes('before its receiver confirmed it'), reliable.includes('before its receiver confirmed it')]).toEqual([false, true]);
    for (const code of [entry, reliable]) expect(code).not.toMatch(/require\(["'](node:)?(http|https|net|tls|zlib|fs|ws)["']\)/);
  });

  it('logs in, shows an injected message, and sends over the socket and over REST', async () => {
    const started = Date.now();
    const origin = `http://127.0.0.1:${(pageServer!.address() as AddressInfo).port}`;
    page = context!.pages()[0] ?? (await context!.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') pageErrors.push(`console.${m.type()}: ${m.text()}`);
    });
    await page.goto(`${origin}/?url=${encodeURIComponent(server!.url)}&productkey=DISPLAY-KEY`);
    const text = (id: string) => page.locator(`#${id}`).innerText();

    // Logs in: the state ref reaches ready, with the certified uid.
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'ready', undefined, { timeout: 15_000 });
    expect(await text('uid')).toBe('display-01');
    expect((await server!.sessions()).filter((s) => s.uid === 'display-01')).toEqual([expect.objectContaining({ loggedIn: true })]);
    timings['page ready'] = Date.now() - started;

    // Shows an injected message (the server pushes a touid to the page).
    kiosk = createRexsysClient({ url: server!.url, project: 'demo', productkey: 'KIOSK-KEY', gracePeriod: 50 });
    const atKiosk = record(kiosk.messages$);
    await untilStatus(kiosk, 'ready', 15_000);
    expect(await server!.inject('display-01', { command: 'show', data: { url: '/slides/9', title: '안녕' }, sender: 'kiosk-01' })).toBe(1);
    await page.waitForFunction(() => document.querySelector('#show')?.textContent?.includes('/slides/9'), undefined, { timeout: 10_000 });
    expect(await text('show')).toBe('안녕 /slides/9');

    // A message from a real client over the socket, too.
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/slides/10' } }, { via: 'socket' }));
    await page.waitForFunction(() => document.querySelector('#show')?.textContent?.includes('/slides/10'), undefined, { timeout: 10_000 });

    // Sends: a click, over the socket; another, over REST (cross-origin, form body).
    await page.click('#ack-socket');
    await page.waitForFunction(() => document.querySelector('#result')?.textContent === 'sent via socket', undefined, { timeout: 10_000 });
    await page.click('#ack-rest');
    await page.waitForFunction(() => document.querySelector('#result')?.textContent !== 'sent via socket', undefined, { timeout: 10_000 });
    expect(await text('result')).toBe('sent via rest');

    await waitFor(() => atKiosk.values.filter((m) => m.command === 'ack').length === 2, { message: 'two acks at kiosk-01', timeout: 10_000 });
    atKiosk.sub.unsubscribe();
    const acks = atKiosk.values.filter((m: RexsysMessage) => m.command === 'ack').map((m) => ({ sender: m.sender, data: m.data }));
    expect(acks).toEqual([
      { sender: 'display-01', data: { url: '/slides/10', via: 'socket' } },
      { sender: 'display-01', data: { url: '/slides/10', via: 'rest' } },
    ]);
    const fromPage = (await server!.delivered()).filter((d) => d.sender === 'display-01' && d.command === 'ack');
    expect(fromPage.map((d) => d.via)).toEqual(['socket', 'rest']);
    expect(pageErrors).toEqual([]);
    timings['round trip'] = Date.now() - started;
    await closeApp(page);
  });

  it('server-side rendering (vite build --ssr) opens no socket, and the browser hydrates the HTML without mismatches, then connects', async () => {
    const started = Date.now();
    const html = await renderOnServer(join(ssrDir!, 'entry-server.mjs'), server!.url);
    expect(html).toContain('<p id="status">idle</p>');
    expect(html).toContain('<p id="show">nothing yet</p>');
    expect((await server!.sessions()).filter((s) => s.uid === 'display-01')).toEqual([]);
    timings['ssr render'] = Date.now() - started;

    const shell = readFileSync(join(outDir, 'index.html'), 'utf8');
    expect(shell).toContain('<div id="app"></div>');
    writeFileSync(join(outDir, 'ssr.html'), shell.replace('<div id="app"></div>', `<div id="app">${html}</div>`));

    const origin = `http://127.0.0.1:${(pageServer!.address() as AddressInfo).port}`;
    const hydrated = await context!.newPage();
    const problems: string[] = [];
    hydrated.on('pageerror', (e) => problems.push(e.message));
    hydrated.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    await hydrated.goto(`${origin}/ssr.html?url=${encodeURIComponent(server!.url)}&productkey=DISPLAY-KEY`);
    await hydrated.waitForFunction(() => document.querySelector('#status')?.textContent === 'ready', undefined, { timeout: 15_000 });
    expect(await hydrated.locator('#uid').innerText()).toBe('display-01');
    // Vue's production build reports a hydration mismatch as a console error.
    expect(problems).toEqual([]);
    expect(await server!.inject('display-01', { command: 'show', data: { url: '/hydrated' }, sender: 'kiosk-01' })).toBe(1);
    await hydrated.waitForFunction(() => document.querySelector('#show')?.textContent?.includes('/hydrated'), undefined, { timeout: 10_000 });
    await closeApp(hydrated);
    timings['ssr + hydration'] = Date.now() - started;
  });
});
