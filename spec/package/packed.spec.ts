/**
 * The PACKED library, as users get it: `npm pack` in the repo (prepack builds dist),
 * `npm install <tgz> rxjs io-ts fp-ts` in a fresh project outside the repo (which must pull
 * no server package), then `npm install socket.io` (the emulator's optional peer), then
 *   - a CommonJS consumer (`require('rexsys-rx')`) and an ES module consumer
 *     (`import … from 'rexsys-rx'`, plus `rexsys-rx/emulator`), each run with `node`;
 *   - the installed bin (`rexsys-rx --version`, `rexsys-rx certify`);
 *   - a page bundled by esbuild for the browser FROM THE INSTALLED PACKAGE, in Chromium;
 * all against the python-socketio Rexsys server (the engine the real server runs),
 * reached through a TCP proxy whose `cut()` drops the network under the clients.
 *
 * Each client must reach `ready`, receive a command, survive the cut (new socket, new
 * sid, login again), receive again, and answer over the socket and over REST; the
 * server's journal must show every message exactly once.
 *
 * Needs /usr/bin/python3 with socketio + aiohttp (describePy: skipped without, failed
 * under CI) and, for the browser part, /usr/bin/chromium or $CHROMIUM_PATH (same rule).
 */
import { build, stop as stopEsbuild } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { firstValueFrom } from 'rxjs';
import { createRexsysClient, type RexsysClient, type RexsysMessage } from '../../lib/index';
import { record, untilStatus } from '../support/client-helpers';
import { describePy, startPythonRexsys, type DeliveredMessage, type PythonRexsys } from '../support/python-server';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait';
import { LineProcess, run } from './process';
import { CHROMIUM, CHROMIUM_ARGS, describeBrowser, nodeOnlyInputs, requireChromium } from '../support/chromium';

const ROOT = resolve(__dirname, '../..');
const FIXTURES = join(__dirname, 'fixtures');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const BACKOFF = { initialDelay: 100, maxDelay: 500, jitter: 0 };

/** `data` as the sender meant it: REST sends carry it as a JSON string (DESIGN §1.4). */
const dataOf = (d: DeliveredMessage): Record<string, unknown> => {
  if (typeof d.data !== 'string') return d.data as Record<string, unknown>;
  try {
    return JSON.parse(d.data) as Record<string, unknown>;
  } catch {
    return { raw: d.data };
  }
};

const timings: Record<string, number> = {};
/** Server-side packages a browser install must not pull. */
// (`ws` stays: socket.io-client's engine uses it in Node.)
const SERVER_PACKAGES = ['socket.io', 'engine.io', 'socket.io-adapter', 'cors', 'accepts', 'base64id', '@types/node'];
let serverPackagesOfBrowserInstall: string[] | undefined;
async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[label] = Date.now() - started;
  }
}

const describeInBrowser = describeBrowser('packed-library browser test');

describePy('the packed rexsys-rx (npm pack, npm install) against python-socketio through a TCP proxy', () => {
  jest.setTimeout(60_000);

  let work: string;
  let project: string;
  let tarball: string;
  let tarballFiles: string[] = [];
  let server: PythonRexsys | undefined;
  let proxy: TcpProxy | undefined;
  const processes = new Set<LineProcess>();
  const clients = new Set<RexsysClient>();

  /** A client from the library's sources, straight to the server (not through the proxy): the other end. */
  function peer(productkey: string): RexsysClient {
    const client = createRexsysClient({ url: server!.url, project: 'demo', productkey, backoff: BACKOFF, gracePeriod: 20 });
    clients.add(client);
    return client;
  }

  /** What an earlier failed test may have left running (a second kiosk-01 would receive this test's messages too). */
  async function dropLeftovers(): Promise<void> {
    await Promise.all([...processes].map((p) => p.kill()));
    processes.clear();
    for (const c of clients) c.close();
    clients.clear();
    proxy?.setBlocked(false);
  }

  async function sessionsOf(uid: string) {
    return (await server!.sessions()).filter((s) => s.uid === uid);
  }

  beforeAll(async () => {
    const started = Date.now();
    work = mkdtempSync(join(tmpdir(), 'rexsys-rx-packed-'));
    project = join(work, 'app');
    mkdirSync(project);

    const packAndInstall = async () => {
      await timed('npm pack (prepack build)', () => run(NPM, ['pack', '--pack-destination', work], { cwd: ROOT, timeout: 150_000 }));
      const tgz = readdirSync(work).filter((f) => f.endsWith('.tgz'));
      if (tgz.length !== 1) throw new Error(`npm pack left ${tgz.length} tarballs in ${work}: ${tgz.join(', ')}`);
      tarball = join(work, tgz[0]);
      tarballFiles = (await run('tar', ['-tzf', tarball], { cwd: work, timeout: 30_000 })).stdout.split('\n').filter(Boolean);
      writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'rexsys-rx-packed-consumer', version: '0.0.0', private: true }, null, 2)}\n`);
      await timed('npm install', () =>
        run(NPM, ['install', tarball, 'rxjs', 'io-ts', 'fp-ts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, timeout: 150_000 }),
      );
      // What a browser app gets: no server package (socket.io is an optional peer for the emulator).
      serverPackagesOfBrowserInstall = SERVER_PACKAGES.filter((name) => existsSync(join(project, 'node_modules', name)));
      // This project also runs the emulator, so it adds the optional peer, as the docs say.
      await timed('npm install socket.io', () =>
        run(NPM, ['install', 'socket.io', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, timeout: 150_000 }),
      );
      for (const file of ['consumer.cjs', 'consumer.mjs', 'page.mjs']) copyFileSync(join(FIXTURES, file), join(project, file));
      for (const file of ['types-check.mts', 'types-check.cts']) copyFileSync(join(FIXTURES, 'types-check.ts.txt'), join(project, file));
      copyFileSync(join(FIXTURES, 'tsconfig.packed.json'), join(project, 'tsconfig.json'));
    };
    const startServer = async () => {
      server = await timed('python server start', () => startPythonRexsys({ port: 0 }));
      proxy = await startTcpProxy(server.port);
    };
    // Both run to their end before a failure is reported, so afterAll has everything to close.
    const outcomes = await Promise.allSettled([packAndInstall(), startServer()]);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    timings['beforeAll'] = Date.now() - started;
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...processes].map((p) => p.kill()));
    for (const c of clients) c.close();
    await proxy?.close();
    await server?.close();
    await stopEsbuild();
    if (work) rmSync(work, { recursive: true, force: true });
    if (Object.keys(timings).length > 0) console.log(`packed.spec timings (ms): ${JSON.stringify(timings)}`);
  });

  it('a plain install (the library and its required peers) pulls no server package', () => {
    expect(serverPackagesOfBrowserInstall).toEqual([]);
  });

  it('packs dist for both module formats, the types and the bin, and no sources', () => {
    const files = tarballFiles.map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/cjs/index.js',
        'dist/cjs/index.d.ts',
        'dist/cjs/package.json',
        'dist/esm/index.js',
        'dist/esm/index.d.ts',
        'dist/esm/package.json',
        'dist/cjs/emulator/index.js',
        'dist/esm/emulator/index.js',
        'dist/cjs/cli/bin.js',
      ]),
    );
    expect(files.filter((f) => /^(lib|spec|scripts|bench|examples|node_modules)\/|\.map$|\.spec\.|tsconfig/.test(f))).toEqual([]);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/rexsys-rx/package.json'), 'utf8')) as { name: string };
    expect(installed.name).toBe('rexsys-rx');
  });

  /**
   * Runs a consumer fixture with `node` in the temp project, through the proxy:
   * ready → show #1 → network drop → ready with a new sid → show #2 → ack over socket
   * and REST → close, and the process exits on its own.
   * Outage `cut`: the open connections die, reconnecting works at once. Outage
   * `blocked`: they die and new ones are refused until the consumer has failed three
   * reconnects; a socket send made meanwhile (`queued`) must go out once, after the login.
   */
  async function consumerRoundTrip(file: 'consumer.cjs' | 'consumer.mjs', tag: string, outage: 'cut' | 'blocked') {
    await dropLeftovers();
    const droppedBefore = (await server!.dropped()).length;
    const display = peer('DISPLAY-KEY');
    const atDisplay = record(display.messages$);
    await untilStatus(display, 'ready', 15_000);

    const consumer = new LineProcess(file, process.execPath, [file, proxy!.url, tag], project);
    processes.add(consumer);
    const loaded = await consumer.waitFor((l) => l.json?.t === 'loaded', 'its loaded line');
    const first = await consumer.ready({ timeout: 20_000 });
    expect((await sessionsOf('kiosk-01')).map((s) => ({ sid: s.sid, loggedIn: s.loggedIn }))).toEqual([{ sid: first.sid, loggedIn: true }]);

    await firstValueFrom(display.send({ receiver: 'kiosk-01', command: 'show', data: { tag, n: 1 } }, { via: 'socket' }));
    const show1 = await consumer.waitFor((l) => l.json?.t === 'message' && l.json.data?.n === 1, 'show #1');
    expect(show1.json).toMatchObject({ command: 'show', sender: 'display-01', receiver: 'kiosk-01', data: { tag, n: 1 } });

    // The network drops under the consumer: it must connect again, get a new sid and log in again.
    expect(proxy!.connections()).toBeGreaterThan(0);
    if (outage === 'cut') proxy!.cut();
    else {
      proxy!.setBlocked(true);
      try {
        proxy!.cut();
        await consumer.waitFor((l) => l.json?.t === 'state' && l.json.status === 'reconnecting' && l.json.attempt >= 3, 'a third failed reconnect', {
          from: first.index + 1,
        });
        consumer.send('queue');
        // Nothing may leave while the network is down; the send waits in the library's queue.
        expect(consumer.json('receipt')).toEqual([]);
        expect(consumer.json('send-error')).toEqual([]);
      } finally {
        proxy!.setBlocked(false);
      }
    }
    const second = await consumer.ready({ from: first.index + 1, not: first.sid, timeout: 20_000 });
    expect(second.sid).not.toBe(first.sid);
    const between = consumer.lines
      .slice(first.index + 1, second.index)
      .map((l) => l.json?.status)
      .filter(Boolean);
    expect(between).toEqual(expect.arrayContaining(['authenticating']));
    await waitFor(
      async () => {
        const s = await sessionsOf('kiosk-01');
        return s.length === 1 && s[0].sid === second.sid && s[0].loggedIn;
      },
      { timeout: 10_000, message: `the server to hold exactly one kiosk-01 session, ${second.sid}, logged in` },
    );

    await firstValueFrom(display.send({ receiver: 'kiosk-01', command: 'show', data: { tag, n: 2 } }, { via: 'socket' }));
    await consumer.waitFor((l) => l.json?.t === 'message' && l.json.data?.n === 2, 'show #2', { from: second.index });

    const queued = outage === 'blocked' ? ['queued'] : [];
    if (queued.length > 0)
      await consumer.waitFor((l) => l.json?.t === 'receipt' && l.json.requested === 'queued', 'the queued receipt', { from: second.index });
    consumer.send('reply');
    await consumer.waitFor((l) => l.json?.t === 'receipt' && l.json.requested === 'socket', 'the socket receipt', { from: second.index });
    await consumer.waitFor((l) => l.json?.t === 'receipt' && l.json.requested === 'rest', 'the rest receipt', { from: second.index });
    // A confirmed send: the code of confirmed delivery loads on first use (the packed build's own import()), display-01 confirms.
    await consumer.waitFor((l) => l.json?.t === 'receipt' && l.json.requested === 'confirmed', 'the confirmed receipt', { from: second.index });
    expect(consumer.json('send-error')).toEqual([]);
    expect(consumer.json('receipt')).toEqual([
      ...queued.map(() => ({ t: 'receipt', via: 'socket', requested: 'queued', acked: true })),
      { t: 'receipt', via: 'socket', requested: 'socket', acked: true },
      { t: 'receipt', via: 'rest', requested: 'rest' },
      expect.objectContaining({ t: 'receipt', via: 'socket', requested: 'confirmed' }),
    ]);
    const expectedAcks = 3 + queued.length;
    await waitFor(() => atDisplay.values.filter((m) => m.command === 'ack').length >= expectedAcks, {
      timeout: 10_000,
      message: `${expectedAcks} acks at display-01`,
    });
    // Losing the network is reported on errors$ (non-fatal); nothing else may be.
    expect(consumer.json('error').filter((e) => e.code !== 'E_NETWORK')).toEqual([]);

    // Exactly once, in the server's journal and at both ends.
    const delivered = (await server!.delivered()).filter((d) => dataOf(d).tag === tag);
    const summary = delivered.map((d) => `${d.via} ${d.sender}->${d.receiver} ${d.command} ${JSON.stringify(dataOf(d))}`).sort();
    expect(summary).toEqual(
      [
        `socket display-01->kiosk-01 show ${JSON.stringify({ tag, n: 1 })}`,
        `socket display-01->kiosk-01 show ${JSON.stringify({ tag, n: 2 })}`,
        `socket kiosk-01->display-01 ack ${JSON.stringify({ tag, via: 'socket' })}`,
        `rest kiosk-01->display-01 ack ${JSON.stringify({ tag, via: 'rest' })}`,
        ...queued.map((via) => `socket kiosk-01->display-01 ack ${JSON.stringify({ tag, via })}`),
      ].sort(),
    );
    expect(consumer.json('message').map((m) => m.data)).toEqual([
      { tag, n: 1 },
      { tag, n: 2 },
    ]);
    const acks = atDisplay.values.filter((m: RexsysMessage) => m.command === 'ack');
    expect(acks.map((m) => ({ sender: m.sender, data: m.data }))).toEqual(
      expect.arrayContaining([
        { sender: 'kiosk-01', data: { tag, via: 'socket' } },
        { sender: 'kiosk-01', data: { tag, via: 'rest' } },
        { sender: 'kiosk-01', data: { tag, via: 'confirmed' } },
        ...queued.map((via) => ({ sender: 'kiosk-01', data: { tag, via } })),
      ]),
    );
    expect(acks).toHaveLength(expectedAcks);
    expect((await server!.dropped()).slice(droppedBefore)).toEqual([]);

    // close() must leave nothing behind: the process exits by itself once stdin ends.
    consumer.send('close');
    consumer.endInput();
    await consumer.waitFor((l) => l.json?.t === 'closed', 'its closed line');
    const exit = await Promise.race([consumer.exited, new Promise<'still running'>((ok) => setTimeout(() => ok('still running'), 5_000).unref())]);
    if (exit === 'still running') throw new Error(`${file} did not exit within 5 s of close(): something holds the event loop\n${consumer.transcript()}`);
    expect(exit).toEqual({ code: 0, signal: null });
    await waitFor(async () => (await sessionsOf('kiosk-01')).length === 0, { timeout: 10_000, message: 'the kiosk-01 session to end' });

    atDisplay.sub.unsubscribe();
    display.close();
    clients.delete(display);
    processes.delete(consumer);
    return { loaded: loaded.json!, first, second, consumer };
  }

  it('Node CommonJS: require("rexsys-rx") gets ready, receives, survives a network cut, answers over socket and REST', async () => {
    const { loaded } = await timed('node cjs round trip', () => consumerRoundTrip('consumer.cjs', 'cjs', 'cut'));
    expect(loaded).toMatchObject({ createRexsysClient: 'function', resolved: join(project, 'node_modules/rexsys-rx/dist/cjs/index.js'), serverLoaded: false });
  });

  it('Node ES module: import from "rexsys-rx" (and "rexsys-rx/emulator") does the same, through an outage that refuses reconnects for a while', async () => {
    const { loaded } = await timed('node esm round trip', () => consumerRoundTrip('consumer.mjs', 'esm', 'blocked'));
    expect(loaded).toMatchObject({
      createRexsysClient: 'function',
      startEmulator: 'function',
      resolved: `file://${join(project, 'node_modules/rexsys-rx/dist/esm/index.js')}`,
      emulatorResolved: `file://${join(project, 'node_modules/rexsys-rx/dist/esm/emulator/index.js')}`,
    });
  });

  it('TypeScript (node16, strict, skipLibCheck off, no DOM lib) type-checks a user module against the installed types, as ESM and as CJS', async () => {
    // The repo's own compiler, run in the temp project: it sees only what the tarball installed.
    const tsc = require.resolve('typescript/bin/tsc');
    const listed = await timed('tsc in the temp project', () =>
      run(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles'], { cwd: project, timeout: 60_000 }),
    );
    const ours = listed.stdout.split('\n').filter((f) => f.includes('/node_modules/rexsys-rx/'));
    expect(ours.some((f) => f.includes('/rexsys-rx/dist/esm/index.d.ts'))).toBe(true);
    expect(ours.some((f) => f.includes('/rexsys-rx/dist/cjs/index.d.ts'))).toBe(true);
    expect(ours.some((f) => f.includes('/rexsys-rx/dist/esm/emulator/index.d.ts'))).toBe(true);
    expect(ours.some((f) => f.includes('/rexsys-rx/dist/cjs/emulator/index.d.ts'))).toBe(true);
    const fromRepo = listed.stdout.split('\n').filter((f) => f.startsWith(ROOT) && !f.startsWith(join(ROOT, 'node_modules/typescript/lib/')));
    expect(fromRepo).toEqual([]);
  });

  it('the installed bin: rexsys-rx --version, and certify through the proxy (token never printed)', async () => {
    const bin = join(project, 'node_modules/.bin/rexsys-rx');
    const version = await run(bin, ['--version'], { cwd: project, timeout: 15_000 });
    expect(version.stdout.trim()).toBe('0.1.0');
    const certified = await run(bin, ['certify', '--url', proxy!.url, '--project', 'demo', '--productkey', 'KIOSK-KEY'], { cwd: project, timeout: 15_000 });
    expect(JSON.parse(certified.stdout)).toMatchObject({ uid: 'kiosk-01', project: 'demo', namespaces: { client: '/io/demo/client' } });
    expect(certified.stdout + certified.stderr).not.toMatch(/[0-9a-f]{32}/);
  });

  describeInBrowser('in Chromium, bundled from the installed package', () => {
    let pageServer: Server | undefined;
    let pageOrigin: string;
    let context: BrowserContext | undefined;
    let page: Page;
    let userDataDir: string | undefined;
    let inputs: string[] = [];
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];

    beforeAll(async () => {
      requireChromium();
      const started = Date.now();
      const result = await build({
        entryPoints: [join(project, 'page.mjs')],
        absWorkingDir: project,
        nodePaths: [join(project, 'node_modules')],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2020',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const code = result.outputFiles[0].text;
      inputs = Object.keys(result.metafile.inputs);
      expect(nodeOnlyInputs(result.metafile)).toEqual([]);

      const html = '<!doctype html><meta charset="utf-8"><title>rexsys-rx packed</title><script type="module" src="/page.js"></script>';
      const srv = createServer((req, res) => {
        if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
        else if (req.url === '/page.js') res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(code);
        else if (req.url === '/favicon.ico') res.writeHead(204).end();
        else res.writeHead(404).end();
      });
      pageServer = srv;
      await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
      pageOrigin = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;

      userDataDir = mkdtempSync(join(tmpdir(), 'rexsys-rx-packed-chromium-'));
      context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      await page.goto(`${pageOrigin}/`);
      await page.waitForFunction(() => 'rexsysPage' in globalThis, undefined, { timeout: 10_000 });
      timings['chromium setup (bundle, launch, load)'] = Date.now() - started;
    }, 60_000);

    afterAll(async () => {
      await context?.close().catch(() => undefined);
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
      await new Promise<void>((ok) => (pageServer ? pageServer.close(() => ok()) : ok()));
    });

    it('the bundle takes rexsys-rx from the installed dist/esm (the `import` condition), nothing from the repo', () => {
      const ours = inputs.filter((f) => f.includes('rexsys-rx'));
      expect(ours.length).toBeGreaterThan(0);
      expect(ours.filter((f) => !f.startsWith('node_modules/rexsys-rx/dist/esm/'))).toEqual([]);
      expect(inputs.filter((f) => f.startsWith('..') || f.startsWith('/'))).toEqual([]);
      expect(inputs.some((f) => f.startsWith('node_modules/engine.io-client/build/esm/'))).toBe(true); // the browser build
      expect(inputs.some((f) => f.includes('/emulator/') || f.includes('/cli/'))).toBe(false);
    });

    it('certifies, gets ready, receives, survives a network cut, and answers over socket and REST (cross-origin)', async () => {
      const call = <R>(fn: string, ...args: unknown[]): Promise<R> =>
        page.evaluate(([name, params]) => (globalThis as any).rexsysPage[name](...params), [fn, args] as const) as Promise<R>;
      const started = Date.now();
      await dropLeftovers();
      const droppedBefore = (await server!.dropped()).length;
      const kiosk = peer('KIOSK-KEY');
      const atKiosk = record(kiosk.messages$);
      await untilStatus(kiosk, 'ready', 15_000);

      const first = await call<{ origin: string; certifiedUid: string; tokenLength: number; uid: string; sid: string }>('start', {
        url: proxy!.url,
        project: 'demo',
        productkey: 'DISPLAY-KEY',
      });
      expect(first).toMatchObject({ origin: pageOrigin, certifiedUid: 'display-01', uid: 'display-01' });
      expect(new URL(first.origin).origin).not.toBe(new URL(proxy!.url).origin);
      expect(first.tokenLength).toBeGreaterThan(0);
      expect((await sessionsOf('display-01')).map((s) => ({ sid: s.sid, loggedIn: s.loggedIn }))).toEqual([{ sid: first.sid, loggedIn: true }]);

      await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { tag: 'browser', n: 1 } }, { via: 'socket' }));
      expect(await call('nextShow', 1)).toMatchObject({ command: 'show', sender: 'kiosk-01', data: { tag: 'browser', n: 1 } });

      expect(proxy!.connections()).toBeGreaterThan(0);
      proxy!.cut();
      const second = await call<{ uid: string; sid: string }>('readyAgain', first.sid);
      expect(second.uid).toBe('display-01');
      expect(second.sid).not.toBe(first.sid);
      await waitFor(
        async () => {
          const s = await sessionsOf('display-01');
          return s.length === 1 && s[0].sid === second.sid && s[0].loggedIn;
        },
        { timeout: 10_000, message: `the server to hold exactly one display-01 session, ${second.sid}, logged in` },
      );

      await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { tag: 'browser', n: 2 } }, { via: 'socket' }));
      expect(await call('nextShow', 2)).toMatchObject({ command: 'show', sender: 'kiosk-01', data: { tag: 'browser', n: 2 } });

      const restBody = await page.evaluate(() => (globalThis as any).rexsysPage.restBody as string);
      expect(restBody).toBe('form');
      const replies = await call<Array<{ body: string; via?: string; error?: string }>>('reply', 'kiosk-01', 'browser');
      expect(replies.map((r) => `${r.body}: ${r.error ?? `ok via ${r.via}`}`)).toEqual([
        'socket: ok via socket',
        'form: ok via rest',
        'json: ok via rest',
        'text: ok via rest',
      ]);
      await waitFor(() => atKiosk.values.filter((m) => m.command === 'ack').length >= 4, { timeout: 10_000, message: 'four acks at kiosk-01' });

      const delivered = (await server!.delivered()).filter((d) => dataOf(d).tag === 'browser');
      expect(delivered.map((d) => `${d.via} ${d.sender}->${d.receiver} ${d.command} ${JSON.stringify(dataOf(d))}`).sort()).toEqual(
        [
          'socket kiosk-01->display-01 show {"tag":"browser","n":1}',
          'socket kiosk-01->display-01 show {"tag":"browser","n":2}',
          'socket display-01->kiosk-01 ack {"tag":"browser","via":"socket","body":"socket"}',
          'rest display-01->kiosk-01 ack {"tag":"browser","via":"rest","body":"form"}',
          'rest display-01->kiosk-01 ack {"tag":"browser","via":"rest","body":"json"}',
          'rest display-01->kiosk-01 ack {"tag":"browser","via":"rest","body":"text"}',
        ].sort(),
      );
      expect((await call<Array<{ data: unknown }>>('shows')).map((m) => m.data)).toEqual([
        { tag: 'browser', n: 1 },
        { tag: 'browser', n: 2 },
      ]);
      expect(atKiosk.values.filter((m) => m.command === 'ack')).toHaveLength(4);
      expect((await server!.dropped()).slice(droppedBefore)).toEqual([]);

      const statuses = await call<string[]>('statuses');
      expect(statuses.slice(statuses.indexOf('ready') + 1)).toEqual(expect.arrayContaining(['reconnecting', 'authenticating', 'ready']));
      const errors = await call<string[]>('errors');
      // Losing the network is reported on errors$ (non-fatal); nothing else may be.
      expect(errors.filter((e) => !/^RexsysTransportError\/E_NETWORK: /.test(e))).toEqual([]);

      expect(await call('stop')).toBe('closed');
      await waitFor(async () => (await sessionsOf('display-01')).length === 0, { timeout: 10_000, message: 'the page socket to close' });
      atKiosk.sub.unsubscribe();
      kiosk.close();
      clients.delete(kiosk);
      expect(pageErrors).toEqual([]);
      // The cut may make Chromium log the failed websocket/polling request; nothing else.
      expect(consoleErrors.filter((t) => !/net::ERR_|WebSocket connection to .* failed/.test(t))).toEqual([]);
      timings['chromium round trip'] = Date.now() - started;
    });
  });
});
