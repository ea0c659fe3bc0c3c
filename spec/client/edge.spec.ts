import axios from 'axios';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { firstValueFrom } from 'rxjs';
import { createRexsysClient } from '../../lib/client/create-client';
import { CERTIFY_PATH } from '../../lib/protocol/paths';
import { writeEvent } from '../../lib/emulator/raw-emit';
import { RexsysArgumentError, RexsysTimeoutError } from '../../lib/errors';
import type { ConnectionState, RexsysClientOptions } from '../../lib/index';
import { startEmulatorServer, type TestServer } from '../support/servers';
import { delay, waitFor } from '../support/wait';
import { clientFactory, record, untilStatus } from '../support/client-helpers';

const reconnects = (states: ConnectionState[]) => states.filter((s) => s.status === 'reconnecting').length;

describe('client edge cases', () => {
  const factory = clientFactory(() => {
    throw new Error('every client here names its url');
  });
  /** A test client (the suites' defaults, see clientFactory) for `options.url`. */
  const create = (options: Partial<RexsysClientOptions> & { readonly url: string }) => factory.make(undefined, options, options.url);
  afterEach(() => factory.closeAll());

  it('refuses options that cannot work, at construction and without opening anything', () => {
    expect(() => createRexsysClient({ url: 'http://127.0.0.1:1', project: 'demo' })).toThrow(RexsysArgumentError);
    expect(() => createRexsysClient({ url: 'not a url', project: 'demo', productkey: 'k' })).toThrow(/not an absolute URL/);
    expect(() => createRexsysClient({ url: '', project: 'demo', productkey: 'k' })).toThrow(RexsysArgumentError);
  });

  it.each([
    ['backoff.initialDelay 0 (150+ connects a second)', { backoff: { initialDelay: 0 } }],
    ['backoff.initialDelay NaN', { backoff: { initialDelay: NaN } }],
    ['backoff.maxDelay below initialDelay', { backoff: { initialDelay: 500, maxDelay: 100 } }],
    ['backoff.factor below 1', { backoff: { factor: 0.5 } }],
    ['backoff.jitter above 1', { backoff: { jitter: 2 } }],
    ['backoff.maxRetries -1', { backoff: { maxRetries: -1 } }],
    ['backoff.stablePeriod NaN', { backoff: { stablePeriod: NaN } }],
    ['sendTimeout NaN (never times out)', { sendTimeout: NaN }],
    ['sendTimeout Infinity', { sendTimeout: Infinity }],
    ['outboxSize -1 (refuses everything)', { outboxSize: -1 }],
    ['outboxSize 1.5', { outboxSize: 1.5 }],
    ['loginTimeout 0', { loginTimeout: 0 }],
    ['connectTimeout -5', { connectTimeout: -5 }],
    ['helloTimeout "1000"', { helloTimeout: '1000' as unknown as number }],
    ['gracePeriod NaN', { gracePeriod: NaN }],
    ['renewBefore -1', { renewBefore: -1 }],
    ['restRetries 2.5', { restRetries: 2.5 }],
    ['channel "admin"', { channel: 'admin' as 'client' }],
    ['transport "carrier pigeon"', { transport: 'carrier pigeon' as 'auto' }],
    ['delivery "sometimes"', { delivery: 'sometimes' as 'server' }],
  ] as Array<[string, Partial<RexsysClientOptions>]>)('refuses %s with a RexsysArgumentError', (_what, bad) => {
    expect(() => createRexsysClient({ url: 'http://127.0.0.1:1', project: 'demo', productkey: 'k', ...bad })).toThrow(RexsysArgumentError);
  });

  it('accepts the documented edge values: gracePeriod 0, sendTimeout 0 (no limit), maxRetries Infinity, jitter 0 and 1', () => {
    expect(() =>
      createRexsysClient({
        url: 'http://127.0.0.1:1',
        project: 'demo',
        productkey: 'k',
        gracePeriod: 0,
        sendTimeout: 0,
        backoff: { maxRetries: Infinity, jitter: 1 },
      }).close(),
    ).not.toThrow();
    expect(() => createRexsysClient({ url: 'http://127.0.0.1:1', project: 'demo', productkey: 'k', backoff: { jitter: 0 } }).close()).not.toThrow();
  });

  it('a send with a timeout that cannot work fails with E_INVALID_ARGUMENT, sending nothing', async () => {
    const c = createRexsysClient({ url: 'http://127.0.0.1:1', project: 'demo', productkey: 'k' });
    await expect(firstValueFrom(c.send({ receiver: 'r', command: 'c', data: 1 }, { timeout: NaN }))).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    c.close();
  });

  describe('against a server that is down', () => {
    it('backs off between attempts (no hot loop) and reports each failure', async () => {
      const c = create({
        url: 'http://127.0.0.1:9',
        project: 'demo',
        credentials: { uid: 'u', token: 't' },
        backoff: { initialDelay: 100, factor: 2, jitter: 0 },
      });
      const states = record(c.state$);
      const errors = record(c.errors$);
      await delay(1000);
      // failures at ~0, 100, 300, 700 ms (waits of 100, 200, 400): about 4, never dozens
      const n = reconnects(states.values);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(5);
      expect(errors.values).toHaveLength(n);
      expect(errors.values.every((e) => e.code === 'E_NETWORK')).toBe(true);
      expect(states.values.map((s) => s.attempt).filter((a) => a > 0)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      states.sub.unsubscribe();
      errors.sub.unsubscribe();
    });

    it('gives up after maxRetries and says so in state (idle with lastError)', async () => {
      const c = create({ url: 'http://127.0.0.1:9', project: 'demo', productkey: 'K', backoff: { initialDelay: 20, jitter: 0, maxRetries: 2 } });
      const sub = c.state$.subscribe();
      const s = await untilStatus(c, 'idle', 5000);
      expect(s.lastError?.code).toBe('E_NETWORK');
      sub.unsubscribe();
    });
  });

  describe('against a server that never answers the login', () => {
    let io: Server;
    let httpServer: http.Server;
    let url: string;
    let connections = 0;
    beforeAll(async () => {
      httpServer = http.createServer();
      io = new Server(httpServer);
      io.of('/io/demo/client').on('connection', (socket) => {
        connections++;
        writeEvent(socket, 'connect', { sid: socket.id });
      });
      await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      void io.close();
      await new Promise((r) => httpServer.close(r));
    });

    it('times out the login, reports a RexsysTimeoutError and retries with backoff', async () => {
      connections = 0;
      const c = create({
        url,
        project: 'demo',
        credentials: { uid: 'kiosk-01', token: 'secret-token' },
        loginTimeout: 200,
        backoff: { initialDelay: 200, jitter: 0 },
      });
      const errors = record(c.errors$);
      const states = record(c.state$);
      await waitFor(() => errors.values.length >= 2, { timeout: 5000 });
      expect(errors.values[0]).toBeInstanceOf(RexsysTimeoutError);
      expect(states.values.find((st) => st.status === 'reconnecting')).toMatchObject({ reason: 'login timeout', lastError: { code: 'E_TIMEOUT' } });
      expect(errors.values[0].message).not.toContain('secret-token');
      expect(states.values.map((s) => s.status)).toEqual(expect.arrayContaining(['connecting', 'authenticating', 'reconnecting']));
      expect(connections).toBeLessThanOrEqual(3);
      states.sub.unsubscribe();
      errors.sub.unsubscribe();
      c.close();
      await waitFor(() => io.of('/io/demo/client').sockets.size === 0);
    });
  });

  describe('against the emulator', () => {
    let server: TestServer;
    afterEach(() => server?.close());

    it('falls back to socket.id when the server sends no hello', async () => {
      server = await startEmulatorServer({ helloOrder: 'none' });
      const c = create({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY', helloTimeout: 150 });
      const hold = c.state$.subscribe();
      const s = await untilStatus(c, 'ready');
      expect((await server.sessions())[0].sid).toBe(s.sid);
      hold.unsubscribe();
    });

    it('reports a malformed hello on errors$ and still logs in', async () => {
      server = await startEmulatorServer({ helloOrder: 'none' });
      const c = create({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY', helloTimeout: 300 });
      const errors = record(c.errors$);
      const hold = c.state$.subscribe();
      await untilStatus(c, 'authenticating');
      await untilStatus(c, 'ready');
      // a hello with no sid, sent by hand after login
      await server.inject('kiosk-01', { nosid: true }, 'connect');
      await waitFor(() => errors.values.length === 1);
      expect(errors.values[0].code).toBe('E_DECODE');
      expect(c.state.status).toBe('ready');
      hold.unsubscribe();
      errors.sub.unsubscribe();
    });

    it('renews a certified token before it expires', async () => {
      server = await startEmulatorServer({ tokenTtl: 5 });
      const http = axios.create();
      let certifies = 0;
      http.interceptors.request.use((config) => {
        if (config.url?.endsWith(CERTIFY_PATH)) certifies++;
        return config;
      });
      // expiry is given in whole seconds, so a 5 s token expires 4 to 5 s from now;
      // renewing 3 s before expiry makes it stale 1 to 2 s after it was issued
      const c = create({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY', http, renewBefore: 3000 });
      await firstValueFrom(c.send({ receiver: 'kiosk-01', command: 'a', data: 1 }, { via: 'rest' }));
      await firstValueFrom(c.send({ receiver: 'kiosk-01', command: 'a', data: 2 }, { via: 'rest' }));
      expect(certifies).toBe(1);
      await delay(2100);
      await firstValueFrom(c.send({ receiver: 'kiosk-01', command: 'a', data: 3 }, { via: 'rest' }));
      expect(certifies).toBe(2);
    });

    it('unauthorized sticks across re-subscription, without new attempts, until reconnect()', async () => {
      server = await startEmulatorServer();
      const c = create({ url: server.url, project: 'demo', credentials: { uid: 'kiosk-01', token: 'revoked' }, gracePeriod: 0 });
      const errors = record(c.errors$);
      const first = c.state$.subscribe();
      await untilStatus(c, 'unauthorized');
      first.unsubscribe();
      expect(c.state.status).toBe('idle');
      const states = record(c.state$);
      expect(states.values.map((s) => s.status)).toEqual(['unauthorized']);
      await delay(200);
      expect(errors.values).toHaveLength(1);
      expect(await server.sessions()).toHaveLength(0);
      c.reconnect();
      await waitFor(() => errors.values.length === 2); // one more real attempt, refused again
      expect(states.values.map((s) => s.status)).toEqual(['unauthorized', 'connecting', 'authenticating', 'unauthorized']);
      states.sub.unsubscribe();
      errors.sub.unsubscribe();
    });

    it('close() fails a pending REST send with E_CLOSED', async () => {
      server = await startEmulatorServer();
      const c = create({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY' });
      await server.failNext('/api/ide/io/send', { hang: true });
      const pending = firstValueFrom(c.send({ receiver: 'x', command: 'y', data: 1 }, { via: 'rest', timeout: 0 }));
      await delay(200);
      c.close();
      await expect(pending).rejects.toMatchObject({ code: 'E_CLOSED' });
    });

    it('a REST send reports itself: sendAcked once answered; closed while pending, sendFailed E_CLOSED and one error on errors$; after close, E_CLOSED at once', async () => {
      server = await startEmulatorServer();
      const c = create({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY' });
      const events = record(c.events$);
      const errors = record(c.errors$);
      const receipt = await firstValueFrom(c.send({ receiver: 'x', command: 'ok', data: 1 }, { via: 'rest' }));
      expect(receipt).toMatchObject({ via: 'rest', receiver: 'x', command: 'ok' });
      await server.failNext('/api/ide/io/send', { hang: true });
      const pending = firstValueFrom(c.send({ receiver: 'x', command: 'hung', data: 1 }, { via: 'rest', timeout: 0 }));
      await delay(100);
      c.close();
      await expect(pending).rejects.toMatchObject({ code: 'E_CLOSED' });
      const sends = events.values.filter((e) => e.type === 'sendAcked' || e.type === 'sendFailed');
      expect(sends).toEqual([
        { type: 'sendAcked', via: 'rest', receiver: 'x', command: 'ok', acked: true },
        expect.objectContaining({ type: 'sendFailed', via: 'rest', receiver: 'x', command: 'hung', error: expect.objectContaining({ code: 'E_CLOSED' }) }),
      ]);
      expect(errors.values.map((e) => e.code)).toEqual(['E_CLOSED']);
      await expect(firstValueFrom(c.send({ receiver: 'x', command: 'late', data: 1 }, { via: 'rest' }))).rejects.toMatchObject({ code: 'E_CLOSED' });
    });

    it('a REST send timeout bounds the retries too', async () => {
      server = await startEmulatorServer();
      const c = create({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY', backoff: { initialDelay: 2000, jitter: 0 } });
      await firstValueFrom(c.send({ receiver: 'x', command: 'warm', data: 1 }, { via: 'rest' })); // certified
      await server.failNext('/api/ide/io/send', { status: 503, times: 5 });
      const started = Date.now();
      await expect(firstValueFrom(c.send({ receiver: 'x', command: 'y', data: 1 }, { via: 'rest', timeout: 400 }))).rejects.toBeInstanceOf(RexsysTimeoutError);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(390);
      expect(took).toBeLessThan(1500); // not 400 + a 2 s backoff wait
    });

    it("the user's shouldRetry can stop reconnects; onRetry sees each retry", async () => {
      server = await startEmulatorServer();
      const retries: number[] = [];
      const c = create({
        url: server.url,
        project: 'demo',
        productkey: 'KIOSK-KEY',
        backoff: { initialDelay: 20, shouldRetry: () => retries.length < 1, onRetry: (_e, n) => retries.push(n) },
      });
      const hold = c.state$.subscribe();
      await untilStatus(c, 'ready');
      await server.disconnect('kiosk-01');
      await waitFor(() => retries.length === 1);
      await untilStatus(c, 'ready');
      await server.disconnect('kiosk-01');
      const s = await untilStatus(c, 'idle');
      expect(s.lastError?.code).toBe('E_NETWORK');
      expect(retries).toEqual([1]);
      hold.unsubscribe();
    });

    it('reports failed sends on errors$ as well as to the sender', async () => {
      server = await startEmulatorServer();
      const c = create({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY' });
      const errors = record(c.errors$);
      await server.failNext('/api/ide/io/send', { status: 400 });
      await expect(firstValueFrom(c.send({ receiver: 'x', command: 'y', data: 1 }, { via: 'rest' }))).rejects.toMatchObject({ code: 'E_HTTP', status: 400 });
      expect(errors.values.map((e) => e.code)).toEqual(['E_HTTP']);
      errors.sub.unsubscribe();
    });
  });
});
