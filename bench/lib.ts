/**
 * The library under test: its TypeScript sources (lib/, run through tsx) by default, or
 * the published build (dist/cjs, made by `npm run build`) with `--dist`.
 *
 * tsx compiles lib/ with esbuild's `keepNames`, which wraps every named closure in a
 * `__name()` call (an `Object.defineProperty` per closure created) and reaches every
 * import through a getter; the tsc build has neither. `--dist` measures what users run.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type * as Lib from '../lib/index.js';

const DIST = path.join(__dirname, '..', 'dist', 'cjs', 'index.js');

/** True when the benchmark runs against dist/cjs. */
export const usesDist = process.argv.includes('--dist');

function load(): typeof Lib {
  if (!usesDist) return require('../lib/index.js') as typeof Lib;
  if (!existsSync(DIST)) throw new Error('--dist: dist/cjs/index.js does not exist; run `npm run build` first.');
  return require(DIST) as typeof Lib;
}

/** The library's exports, from lib/ or dist/cjs. */
export const lib: typeof Lib = load();

/** What the report says about the code measured. */
export const libSource = usesDist
  ? `dist/cjs (tsc build of ${statSync(DIST)
      .mtime.toISOString()
      .replace(/\.\d+Z$/, 'Z')})`
  : 'lib/ TypeScript sources through tsx (esbuild, keepNames)';
