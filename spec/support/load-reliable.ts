/**
 * jest's stand-in for lib/client/load-reliable.ts: jest runs CommonJS in a VM without
 * `import()` (it would need --experimental-vm-modules), so the code is imported statically
 * and handed over a turn later, as a dynamic import would. The real `import()` runs in the
 * packed-package tests (Node CJS and ESM, Chromium) and in `npm run size`'s bundle.
 */
import * as reliable from '../../lib/client/reliable';

export const loadReliable = (): Promise<typeof reliable> => Promise.resolve().then(() => reliable);
