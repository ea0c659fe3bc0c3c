/**
 * The framework entries stay out of the main entry, and bundle for the browser with
 * their framework external and no Node-only code.
 */
import { build, stop as stopEsbuild, type Metafile } from 'esbuild';
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
});
