import { createApp, createSSRApp } from 'vue';
import { createRexsys } from 'rexsys-rx/vue';
import App from './App.vue';
import { commands } from './commands';

// The server comes from the query string (the test's python-socketio server), else the build's env.
const query = new URLSearchParams(location.search);
const url = query.get('url') ?? import.meta.env.VITE_REXSYS_URL;
const root = document.querySelector('#app')!;

// Server-rendered markup (entry-server.ts) is hydrated; an empty #app is rendered.
const app = (root.hasChildNodes() ? createSSRApp(App) : createApp(App)).use(
  createRexsys({
    url,
    project: 'demo',
    productkey: query.get('productkey') ?? 'DISPLAY-KEY',
    commands,
    // The page is on another origin than the server: form bodies need no CORS preflight.
    restBody: 'form',
  }),
);
app.mount(root);
// For the test: app.unmount() closes the client (the plugin's app.onUnmount).
(window as unknown as { rexsysApp: typeof app }).rexsysApp = app;
