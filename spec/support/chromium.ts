/**
 * Debian's Chromium for browser suites, and the checks they share. Without chromium a
 * suite is skipped with a warning, except under CI, where it must fail.
 */
import { existsSync } from 'node:fs';
import type { Metafile } from 'esbuild';
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
