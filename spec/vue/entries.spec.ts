/**
 * The framework entries stay out of the main entry, and bundle for the browser with
 * their framework external and no Node-only code.
 */
import { build, stop as stopEsbuild, type Metafile } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nodeOnlyInputs } from '../support/chromium';

const ROOT = resolve(__dirname, '../..');

async function inputsOf(entry: string, external: string[]): Promise<{ inputs: string[]; metafile: Metafile }> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2020',
    write: false,
    metafile: true,
    external,
    logLevel: 'silent',
  });
  return { inputs: Object.keys(result.metafile.inputs), metafile: result.metafile };
}

afterAll(async () => {
  await stopEsbuild();
});

describe('entry points', () => {
  it('the main entry reaches no framework code (no vue, no @angular, no lib/angular or lib/vue)', async () => {
    const { inputs } = await inputsOf('lib/index.ts', []);
    expect(inputs.filter((f) => /node_modules\/(vue|@vue|@angular)\/|^lib\/(angular|vue|bindings)\//.test(f))).toEqual([]);
  });

  it.each([
    ['lib/angular/index.ts', ['@angular/core']],
    ['lib/vue/index.ts', ['vue']],
  ])('%s bundles for the browser with its framework external and no Node-only code', async (entry, framework) => {
    const { inputs, metafile } = await inputsOf(entry, framework);
    expect(nodeOnlyInputs(metafile).filter((f) => !framework.some((name) => f.endsWith(`-> ${name}`)))).toEqual([]);
    expect(inputs).toEqual(expect.arrayContaining(['lib/index.ts', 'lib/bindings/shared.ts', entry]));
    expect(inputs.some((f) => /^lib\/(emulator|cli)\//.test(f))).toBe(false);
  });

  it('package.json exports: ./angular ES modules only, ./vue ES modules and CommonJS, each built from a lib/ source', () => {
    type Target = { types: string; default: string };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { import?: Target; require?: Target }>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(Object.keys(pkg.exports['./angular'])).toEqual(['import']);
    expect(Object.keys(pkg.exports['./vue'])).toEqual(['import', 'require']);
    const cjsExcluded = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.cjs.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { exclude: string[] }).exclude;
    for (const [entry, conditions] of [
      ['./angular', pkg.exports['./angular']],
      ['./vue', pkg.exports['./vue']],
    ] as const) {
      for (const [condition, target] of Object.entries<Target>(conditions)) {
        const format = condition === 'import' ? 'esm' : 'cjs';
        expect(target.default).toBe(`./dist/${format}/${entry.slice(2)}/index.js`);
        expect(target.types).toBe(`./dist/${format}/${entry.slice(2)}/index.d.ts`);
        expect(existsSync(join(ROOT, 'lib', entry.slice(2), 'index.ts'))).toBe(true);
        if (format === 'cjs') expect(cjsExcluded).not.toContain(`lib/${entry.slice(2)}`);
      }
    }
    expect(cjsExcluded).toContain('lib/angular');
    expect(pkg.peerDependenciesMeta['@angular/core']?.optional).toBe(true);
    expect(pkg.peerDependenciesMeta['vue']?.optional).toBe(true);
  });
});
