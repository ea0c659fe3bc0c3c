#!/usr/bin/env node
/**
 * Measures what rexsys-rx costs in a browser bundle: esbuild bundles each browser entry
 * (rexsys-rx, rexsys-rx/angular, rexsys-rx/vue) for the browser (minified ESM), gzip -9
 * via node:zlib, and prints a table. The framework (@angular/*, vue) is always left out:
 * an app that uses an entry already has it. Per entry:
 *
 *   own code only         rxjs, io-ts, fp-ts (peers), socket.io-client, socket.io-parser
 *                         and axios (dependencies) left out
 *   own + socket.io + axios   what an app pays on top of the peers it already has
 *   everything            peers included (an app that uses none of rxjs/io-ts/fp-ts yet)
 *
 * Writes the table into README.md and README.ko.md between `<!-- size:start -->` and `<!-- size:end -->`
 * when both markers exist; never creates either file or the markers.
 *
 * Usage: node scripts/size.mjs [--no-write]
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Browser entries, and the framework each leaves to the app. */
const entries = [
  { name: 'rexsys-rx', file: join(root, 'lib', 'index.ts'), framework: [] },
  { name: 'rexsys-rx/angular', file: join(root, 'lib', 'angular', 'index.ts'), framework: ['@angular/*'] },
  { name: 'rexsys-rx/vue', file: join(root, 'lib', 'vue', 'index.ts'), framework: ['vue', '@vue/*'] },
].filter((e) => existsSync(e.file));
/** The README and its translations: the same table in each (its labels stay English). */
const readmes = [join(root, 'README.md'), join(root, 'README.ko.md')];
const START = '<!-- size:start -->';
const END = '<!-- size:end -->';

/** A package and its deep imports (`rxjs`, `rxjs/operators`, `fp-ts/lib/Either.js`, …). */
const pkg = (name) => [name, `${name}/*`];
const PEERS = ['rxjs', 'io-ts', 'fp-ts'].flatMap(pkg);
const DEPS = ['socket.io-client', 'socket.io-parser', 'engine.io-client', 'engine.io-parser', '@socket.io/component-emitter', 'axios'].flatMap(pkg);

const variants = [
  { label: 'own code only', external: [...PEERS, ...DEPS] },
  { label: 'own + socket.io-client + axios', external: PEERS },
  { label: 'everything (peers included)', external: [] },
];

/**
 * Bundles `entry` (a file, or `{ contents }` for an app's own import line) with code
 * splitting, as an app's bundler does: `up` is what loads with the entry, `later` the
 * chunks it loads on first use (confirmed delivery and request/reply, `import()`).
 */
async function measure(entry, external) {
  const result = await build({
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: { contents: entry.contents, resolveDir: root, loader: 'ts' } }),
    bundle: true,
    splitting: true,
    outdir: join(root, 'dist', '.size'),
    platform: 'browser',
    format: 'esm',
    target: 'es2020',
    minify: true,
    treeShaking: true,
    write: false,
    metafile: true,
    external,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.path.startsWith('node:')) throw new Error(`browser bundle imports ${imp.path} (from ${file})`);
    }
  }
  const sizes = { up: { min: 0, gzip: 0 }, later: { min: 0, gzip: 0 } };
  const outputs = result.metafile.outputs;
  /** Chunks reached from the entry by static imports load with it; the rest on first use. */
  const entryOut = Object.keys(outputs).find((o) => outputs[o].entryPoint !== undefined);
  const upFront = new Set();
  const visit = (o) => {
    if (upFront.has(o)) return;
    upFront.add(o);
    for (const imp of outputs[o].imports) if (imp.kind === 'import-statement' && outputs[imp.path]) visit(imp.path);
  };
  visit(entryOut);
  for (const file of result.outputFiles) {
    const rel = file.path.slice(root.length + 1);
    const part = upFront.has(rel) ? sizes.up : sizes.later;
    part.min += file.contents.byteLength;
    part.gzip += gzipSync(file.contents, { level: constants.Z_BEST_COMPRESSION }).byteLength;
  }
  return sizes;
}

const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
const rows = [];
for (const entry of entries) {
  for (const { label, external } of variants) {
    const name = entries.length > 1 ? `${entry.name}: ${label}` : label;
    rows.push({ label: name, ...(await measure(entry.file, [...external, ...entry.framework])) });
  }
}
// What an app that only creates a client and reads its streams pays (the rest of the entry tree-shakes away).
rows.push({
  label: "an app's `import { createRexsysClient } from 'rexsys-rx'`: own code only",
  ...(await measure({ contents: "import { createRexsysClient } from './lib/index.ts'; export const make = createRexsysClient;" }, [...PEERS, ...DEPS])),
});

const table = [
  '| rexsys-rx in a browser bundle (esbuild, minified ESM, code splitting) | loaded up front, min | min + gzip | loaded on first use, min + gzip |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.label} | ${kB(r.up.min)} | ${kB(r.up.gzip)} | ${kB(r.later.gzip)} |`),
].join('\n');

const width = Math.max(...rows.map((r) => r.label.length));
console.log(`${'bundle'.padEnd(width)}  ${'min'.padStart(8)}  ${'min+gz'.padStart(8)}  ${'on use, min+gz'.padStart(15)}`);
for (const r of rows)
  console.log(`${r.label.padEnd(width)}  ${String(r.up.min).padStart(8)}  ${String(r.up.gzip).padStart(8)}  ${String(r.later.gzip).padStart(15)}`);

if (process.argv.includes('--no-write')) process.exit(0);
for (const readme of readmes) {
  const name = basename(readme);
  if (!existsSync(readme)) {
    console.log(`\nsize: no ${name}; nothing written.`);
    continue;
  }
  const text = await readFile(readme, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1 || end < start) {
    console.log(`\nsize: ${name} has no ${START} … ${END} markers; nothing written.`);
  } else {
    const next = `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`;
    if (next !== text) {
      await writeFile(readme, next);
      console.log(`\nsize: ${name} updated between the size markers.`);
    } else {
      console.log(`\nsize: ${name} already up to date.`);
    }
  }
}
