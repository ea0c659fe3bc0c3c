#!/usr/bin/env node
/**
 * Builds the publishable package into dist/:
 *   dist/esm  ES modules + .d.ts   (dist/esm/package.json: {"type":"module"})
 *   dist/cjs  CommonJS   + .d.ts   (dist/cjs/package.json: {"type":"commonjs"})
 * Each format carries its own declarations so that TypeScript sees ESM types for the
 * `import` condition and CJS types for `require` (no "masquerading" types).
 * Then makes the CLI entry (dist/cjs/cli/bin.js, when lib/cli/bin.ts exists)
 * executable and checks that it starts with a shebang.
 *
 * Usage: node scripts/build.mjs
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const formats = [
  { name: 'esm', tsconfig: 'tsconfig.build.esm.json', type: 'module' },
  { name: 'cjs', tsconfig: 'tsconfig.build.cjs.json', type: 'commonjs' },
];
const BIN_SOURCE = join(root, 'lib', 'cli', 'bin.ts');
const BIN_OUTPUTS = ['dist/cjs/cli/bin.js', 'dist/esm/cli/bin.js'];

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${relative(root, args[0])} ${args.slice(1).join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

const started = Date.now();
await rm(dist, { recursive: true, force: true });

// Two tsc runs in parallel (the machine has two cores).
await Promise.all(formats.map(({ tsconfig }) => run(process.execPath, [tsc, '-p', tsconfig])));

for (const { name, type } of formats) {
  await mkdir(join(dist, name), { recursive: true });
  await writeFile(join(dist, name, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
}

if (existsSync(BIN_SOURCE)) {
  for (const bin of BIN_OUTPUTS) {
    const file = join(root, bin);
    if (!existsSync(file)) throw new Error(`lib/cli/bin.ts exists but ${bin} was not emitted`);
    const text = await readFile(file, 'utf8');
    if (!text.startsWith('#!')) await writeFile(file, `#!/usr/bin/env node\n${text}`);
    await chmod(file, 0o755);
  }
} else {
  console.warn('build: lib/cli/bin.ts does not exist yet; no CLI entry built (package.json "bin" will dangle).');
}

console.log(`build: dist/esm and dist/cjs written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
