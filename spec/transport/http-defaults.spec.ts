/**
 * #18: what the REST path does per request. The default axios instance is made so that
 * axios neither reads the proxy variables on every request (when none is set) nor
 * changes a reused socket's TCP keep-alive delay back and forth; a settled POST is not
 * aborted (an abort makes a DOMException and dispatches an event), a pending one is.
 * Over real sockets to the emulator where it matters.
 */
import type { AxiosInstance } from 'axios';
import * as net from 'node:net';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { createRexsysClient } from '../../lib';
import { postEncoded } from '../../lib/transport/http';
import { startEmulatorServer, type TestServer } from '../support/servers';

type HttpModule = typeof import('../../lib/transport/http');
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY'];

/** A fresh copy of lib/transport/http (its default instance not made yet) with `env` as the proxy variables. */
function freshHttp(env: Record<string, string>): HttpModule {
  const saved = Object.fromEntries(PROXY_VARIABLES.map((k) => [k, process.env[k]]));
  for (const k of PROXY_VARIABLES) delete process.env[k];
  Object.assign(process.env, env);
  try {
    let mod: HttpModule | undefined;
    jest.isolateModules(() => {
      mod = jest.requireActual<HttpModule>('../../lib/transport/http');
    });
    mod!.defaultHttpClient(); // made now, with this environment
    return mod!;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('the default axios instance', () => {
  it('has proxy: false when no proxy variable is set, and leaves proxies to axios when one is', () => {
    expect(freshHttp({}).defaultHttpClient().defaults.proxy).toBe(false);
    for (const name of ['HTTP_PROXY', 'https_proxy', 'ALL_PROXY']) {
      expect(freshHttp({ [name]: 'http://proxy.example:3128' }).defaultHttpClient().defaults.proxy).toBeUndefined();
    }
    expect(freshHttp({ HTTP_PROXY: '' }).defaultHttpClient().defaults.proxy).toBe(false); // empty is unset, as axios reads it
  });

  it('has keep-alive agents whose TCP keep-alive delay is the one axios sets on each socket (60 s)', () => {
    const { defaults } = freshHttp({}).defaultHttpClient();
    for (const agent of [defaults.httpAgent, defaults.httpsAgent] as Array<{ keepAlive?: boolean; keepAliveMsecs?: number } | undefined>) {
      expect(agent).toMatchObject({ keepAlive: true, keepAliveMsecs: 60_000 });
    }
  });

  describe('over a real server', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startEmulatorServer();
    });
    afterAll(() => server.close());

    it("REST sends reuse their sockets, and a reused socket's keep-alive delay is set once (axios and the agent agree)", async () => {
      const delays = new Map<net.Socket, Set<number | undefined>>();
      // Watch without replacing: record each call, then call through.
      const original = net.Socket.prototype.setKeepAlive;
      net.Socket.prototype.setKeepAlive = function (this: net.Socket, enable?: boolean, delay?: number) {
        if (!delays.has(this)) delays.set(this, new Set());
        delays.get(this)!.add(enable ? delay : -1);
        return original.call(this, enable, delay);
      };
      const client = createRexsysClient({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY', transport: 'rest' });
      try {
        for (let round = 0; round < 5; round++) {
          await Promise.all(Array.from({ length: 4 }, (_, i) => firstValueFrom(client.send({ receiver: 'display-01', command: 'n', data: round * 4 + i }))));
        }
      } finally {
        net.Socket.prototype.setKeepAlive = original;
        client.close();
      }
      expect(delays.size).toBeGreaterThan(0);
      expect(delays.size).toBeLessThanOrEqual(5); // 20 sends (and a certify) on a handful of sockets
      for (const set of delays.values()) expect([...set]).toEqual([60_000]);
    });
  });
});

describe('postEncoded', () => {
  /** An axios stand-in: each post waits for `answer()`, and its signal is kept. */
  function fakeHttp() {
    const signals: AbortSignal[] = [];
    let answer: () => void = () => undefined;
    const http = {
      post: (_url: string, _data: string, config: { signal: AbortSignal }) => {
        signals.push(config.signal);
        return new Promise(
          (resolve) => (answer = () => resolve({ status: 200, headers: {}, data: { rexsys: { server: { status: 'success' }, result: {} } } })),
        );
      },
    } as unknown as AxiosInstance;
    return { http, signals, answer: () => answer() };
  }

  it('does not abort a request that was answered; aborts one still under way when unsubscribed', async () => {
    const done = fakeHttp();
    const answered = lastValueFrom(postEncoded('http://127.0.0.1:1/api/ide/io/send', { a: 1 }, { http: done.http }));
    done.answer();
    await expect(answered).resolves.toMatchObject({ rexsys: { server: { status: 'success' } } });
    expect(done.signals).toHaveLength(1);
    expect(done.signals[0].aborted).toBe(false);

    const hung = fakeHttp();
    const sub = postEncoded('http://127.0.0.1:1/api/ide/io/send', { a: 1 }, { http: hung.http }).subscribe();
    await Promise.resolve();
    sub.unsubscribe();
    expect(hung.signals[0].aborted).toBe(true);
  });
});
