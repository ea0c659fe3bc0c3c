// The Vue test app of spec/vue/vite-app.spec.ts, built by a real `vite build`.
// `rexsys-rx` and `rexsys-rx/vue` resolve to this repo's sources, as the package's
// `exports` would resolve them to dist/esm once installed.
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const lib = (path) => fileURLToPath(new URL(`../../../lib/${path}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [vue()],
  resolve: {
    alias: [
      { find: /^rexsys-rx\/vue$/, replacement: lib('vue/index.ts') },
      { find: /^rexsys-rx$/, replacement: lib('index.ts') },
    ],
  },
  build: { target: 'es2020', reportCompressedSize: false },
  logLevel: 'warn',
});
