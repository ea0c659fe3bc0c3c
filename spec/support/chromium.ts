/**
 * Debian's Chromium for browser suites, and the checks they share. Without chromium a
 * suite is skipped with a warning, except under CI, where it must fail.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { IN_CI } from './ci';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export { IN_CI };

/** Flags for a headless Chromium on a machine with no outside network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** `describe` where chromium runs (or under CI, to fail loudly); else `describe.skip` with a warning. */
export function describeBrowser(what: string): jest.Describe {
  if (HAVE_CHROMIUM || IN_CI) return describe;
  console.warn(`${what} skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH). Under CI this is a failure.`);
  return describe.skip;
}

/** Throws the CI failure when chromium is missing. */
export function requireChromium(): void {
  if (!HAVE_CHROMIUM) throw new Error(`CI is set and there is no chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
}

/** A Chromium started by {@link startChromiumOverCdp}. */
export interface CdpChromium {
  /** Attached with `noDefaults`: its default context and first page are the browser's own. */
  readonly browser: Browser;
  /** Closes the browser, waits for its process to exit (SIGKILL after 5 s) and removes its profile. */
  close(): Promise<void>;
}

/**
 * Starts Chromium itself (headless, {@link CHROMIUM_ARGS} plus `args`) and attaches
 * Playwright over the DevTools protocol with `noDefaults`. For pages that must be able to
 * become hidden: Playwright's own launch turns on focus emulation in every page, and
 * Chromium implements that as a visible capturer on the tab, so such a page stays
 * `visible` (and its timers unthrottled) even in a minimised window. Playwright's launch
 * also adds `--disable-background-timer-throttling` and friends; this one does not.
 */
export async function startChromiumOverCdp(args: readonly string[] = []): Promise<CdpChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'rexsys-rx-chromium-'));
  // Its own process group: its helper processes (zygote, renderers, GPU) can be ended with it.
  const child = spawn(CHROMIUM, [...CHROMIUM_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, ...args, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(killer);
    }
    child.stderr?.destroy();
    // Its helper processes may outlive it for a moment, still writing the profile: end them first.
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // (none left)
    }
    await rm(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
  };
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const endpoint = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chromium printed no DevTools endpoint within 15 s:\n${stderr}`)), 15_000);
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited before its DevTools endpoint (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });
  let browser: Browser;
  try {
    browser = await chromium.connectOverCDP(await endpoint, { noDefaults: true, isLocal: true });
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    browser,
    close: async () => {
      // A browser attached over CDP only disconnects on close(): ask it to quit first.
      await browser
        .newBrowserCDPSession()
        .then((s) => s.send('Browser.close'))
        .catch(() => undefined);
      await browser.close().catch(() => undefined);
      await stop();
    },
  };
}

/** Node-only things a browser bundle must never contain. */
export function nodeOnlyInputs(metafile: Metafile): string[] {
  const bad: string[] = [];
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (/node_modules\/(ws|socket\.io|engine\.io|xmlhttprequest-ssl|debug)\//.test(file)) bad.push(file);
    if (/axios\/lib\/adapters\/http\.js$|axios\/dist\/node\//.test(file)) bad.push(file);
    for (const imp of input.imports) if (imp.path.startsWith('node:') || imp.external) bad.push(`${file} -> ${imp.path}`);
  }
  return bad;
}
