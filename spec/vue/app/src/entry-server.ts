// Server-side rendering of the same app (vite build --ssr): no window, so the plugin makes no client.
import { createSSRApp } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { createRexsys } from 'rexsys-rx/vue';
import App from './App.vue';
import { commands } from './commands';

export async function render(url: string): Promise<string> {
  const app = createSSRApp(App).use(createRexsys({ url, project: 'demo', productkey: 'DISPLAY-KEY', commands, restBody: 'form' }));
  return renderToString(app);
}
