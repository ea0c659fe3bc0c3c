/**
 * rexsys-rx/vue under jest (Node, no DOM), against the emulator: the plugin, the
 * composables in effect scopes and in a mounted component, cleanup on scope dispose and
 * app unmount, and server-side rendering (no client, no socket).
 */
import * as t from 'io-ts';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { firstValueFrom, take, timeout } from 'rxjs';
import { createApp, createRenderer, createSSRApp, defineComponent, effectScope, h, type App, type Component } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { createRexsys, useCommand, useRequest, useRexsys, useRexsysState, useSend, type RexsysOptions } from '../../lib/vue/index';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { createRexsysClient, type RexsysMessage } from '../../lib/index';
import { clientFactory, untilStatus } from '../support/client-helpers';
import { recordLibraryTimers } from '../support/library-timers';
import { delay, waitFor } from '../support/wait';

const Show = t.type({ url: t.string }, 'Show');
const Ping = t.type({ at: t.number }, 'Ping');
const commands = { show: Show, ping: Ping };
type Commands = typeof commands;

/** A renderer into plain objects: mounts components in Node without a DOM. */
function objectRenderer() {
  type El = { tag: string; children: El[]; text: string; parent: El | null };
  const el = (tag: string): El => ({ tag, children: [], text: '', parent: null });
  return createRenderer<El, El>({
    createElement: el,
    createText: (text) => ({ ...el('#text'), text }),
    createComment: (text) => ({ ...el('#comment'), text }),
    setText: (node, text) => void (node.text = text),
    setElementText: (node, text) => void (node.text = text),
    insert: (child, parent, anchor) => {
      child.parent = parent;
      const at = anchor ? parent.children.indexOf(anchor) : -1;
      if (at === -1) parent.children.push(child);
      else parent.children.splice(at, 0, child);
    },
    remove: (child) => {
      if (child.parent) child.parent.children.splice(child.parent.children.indexOf(child), 1);
      child.parent = null;
    },
    parentNode: (node) => node.parent,
    nextSibling: (node) => (node.parent ? (node.parent.children[node.parent.children.indexOf(node) + 1] ?? null) : null),
    patchProp: () => undefined,
  });
}

describe('rexsys-rx/vue (effect scopes, emulator)', () => {
  let emulator: RexsysEmulator;
  const peers = clientFactory(() => emulator.url);
  const apps: App[] = [];

  const options = (extra: Partial<RexsysOptions<Commands>> = {}): RexsysOptions<Commands> => ({
    url: emulator.url,
    project: 'demo',
    productkey: 'DISPLAY-KEY',
    commands,
    gracePeriod: 50,
    backoff: { initialDelay: 50, maxDelay: 400 },
    socket: { transports: ['websocket'] },
    activeOn: 'any', // jest runs in Node: no window
    ...extra,
  });
  const appWith = (opts: RexsysOptions<Commands>, root: Component = { render: () => null }): App => {
    const app = createApp(root).use(createRexsys(opts));
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterEach(async () => {
    peers.closeAll();
    for (const app of apps.splice(0)) app.runWithContext(() => useRexsys())?.close();
    await waitFor(() => emulator.sessions().length === 0, { message: 'every socket closed' });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('composables in an effect scope: state refs, a command ref and callback, typed send; the scope ends, the socket goes', async () => {
    const app = appWith(options());
    const client = app.runWithContext(() => useRexsys<Commands>());
    expect(client).not.toBeNull();
    expect(emulator.sessions()).toHaveLength(0); // made at install, connected only when used

    const scope = effectScope();
    const shows: RexsysMessage<{ url: string }>[] = [];
    const { state, ready, show, send, request } = app.runWithContext(() =>
      scope.run(() => {
        useCommand('show', Show, (m) => shows.push(m));
        return { ...useRexsysState(), show: useCommand('show', Show), send: useSend<Commands>(), request: useRequest<Commands>() };
      })!,
    );
    await waitFor(() => ready.value, { message: 'ready ref', timeout: 8000 });
    expect(state.value).toMatchObject({ status: 'ready', uid: 'display-01' });
    expect(show.value).toBeUndefined();

    const kiosk = peers.make('KIOSK-KEY');
    const atKiosk = firstValueFrom(kiosk.command$('ping').pipe(take(1), timeout(8000)));
    await untilStatus(kiosk, 'ready');
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/v/1' } }, { via: 'socket' }));
    await waitFor(() => show.value !== undefined, { message: 'show ref' });
    expect(show.value).toMatchObject({ command: 'show', sender: 'kiosk-01', data: { url: '/v/1' } });
    expect(shows.map((m) => m.data.url)).toEqual(['/v/1']);

    const receipt = await send({ receiver: 'kiosk-01', command: 'ping', data: { at: 7 } });
    expect(receipt).toMatchObject({ via: 'socket', receiver: 'kiosk-01', command: 'ping' });
    expect(await atKiosk).toMatchObject({ command: 'ping', sender: 'display-01', data: { at: 7 } });
    if (typeof (client as unknown as { request?: unknown }).request !== 'function') {
      await expect(request({ receiver: 'kiosk-01', command: 'ping', data: { at: 1 } })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    }

    // Disposing the scope unsubscribes everything: the refs stop, the socket closes after the grace period.
    scope.stop();
    await waitFor(() => !emulator.sessions().some((s) => s.uid === 'display-01'), { message: 'display-01 gone after scope.stop()' });
    expect(show.value?.data).toEqual({ url: '/v/1' });
    expect(shows).toHaveLength(1);
  });

  it('a mounted component uses the composables; app.unmount() closes the client', async () => {
    const seen: string[] = [];
    const Status = defineComponent({
      setup() {
        const { state } = useRexsysState();
        const show = useCommand('show', Show);
        return () => {
          seen.push(`${state.value.status}:${show.value?.data.url ?? '-'}`);
          return h('p', `${state.value.status}`);
        };
      },
    });
    const { createApp: createObjectApp } = objectRenderer();
    const app = createObjectApp(Status).use(createRexsys(options({ gracePeriod: 60_000 })));
    apps.push(app);
    const client = app.runWithContext(() => useRexsys())!;
    app.mount({ tag: 'root', children: [], text: '', parent: null });
    // The first render saw the state before anything subscribed (what SSR rendered: hydration matches).
    expect(seen[0]).toBe('idle:-');
    await waitFor(() => client.state.status === 'ready', { message: 'ready', timeout: 8000 });
    emulator.inject('display-01', { command: 'show', data: { url: '/mounted' }, sender: 'kiosk-01' });
    await waitFor(() => seen.includes('ready:/mounted'), { message: 'the component re-rendered with the message' });

    app.unmount(); // app.onUnmount: close at once (no 60 s grace period)
    expect(client.state.status).toBe('closed');
    await waitFor(() => emulator.sessions().length === 0, { message: 'closed by unmount', timeout: 2000 });
  });

  it('server-side rendering: no client, no socket; inert refs; send rejects with E_CLOSED', async () => {
    const attempts: Socket[] = [];
    const trap: Server = createServer((s) => {
      attempts.push(s);
      s.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    try {
      let sendError: unknown;
      const Page = defineComponent({
        setup() {
          const { state, ready } = useRexsysState();
          const show = useCommand('show', Show);
          const send = useSend<Commands>();
          send({ receiver: 'kiosk-01', command: 'ping', data: { at: 1 } }).catch((e: unknown) => (sendError = e));
          return () =>
            h(
              'p',
              `status=${state.value.status} ready=${ready.value} client=${useRexsys() === null ? 'none' : 'yes'} show=${show.value === undefined ? 'none' : JSON.stringify(show.value.data)}`,
            );
        },
      });
      const timers = recordLibraryTimers();
      const url = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
      // The default activeOn ('browser'): jest's Node has no window, like an SSR server.
      for (const at of [url, emulator.url]) {
        const app = createSSRApp(Page).use(createRexsys({ url: at, project: 'demo', productkey: 'DISPLAY-KEY', commands }));
        expect(await renderToString(app)).toBe('<p>status=idle ready=false client=none show=none</p>');
      }
      await delay(200);
      expect(sendError).toMatchObject({ code: 'E_CLOSED' });
      expect(attempts).toHaveLength(0);
      expect(emulator.sessions()).toHaveLength(0);
      timers.stop();
      expect(timers.started).toEqual([]);

      // The recorder's control: a client that connects does start library timers.
      const control = recordLibraryTimers();
      const probe = createRexsysClient({ url: emulator.url, project: 'demo', productkey: 'DISPLAY-KEY', gracePeriod: 20 });
      const held = probe.state$.subscribe();
      await waitFor(() => probe.state.status === 'ready', { message: 'the control client ready', timeout: 8000 });
      control.stop();
      held.unsubscribe();
      probe.close();
      expect(control.started.length).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });

  it('explains a missing plugin, a missing option and a composable outside a scope', () => {
    expect(() => createApp({}).runWithContext(() => useRexsysState())).toThrow(/app\.use\(createRexsys/);
    expect(() => createApp({}).use(createRexsys({ url: '', project: 'demo', productkey: 'K' }))).toThrow(/createRexsys: missing url.*VITE_REXSYS_URL/);
    const app = appWith(options());
    expect(() => app.runWithContext(() => useCommand('show', Show))).toThrow(/setup\(\)/);
    expect(emulator.sessions()).toHaveLength(0);
  });
});
