/**
 * The emulator's test hooks, and `close()` leaving nothing open.
 */
import axios from 'axios';
import { firstValueFrom } from 'rxjs';
import { certify } from '../../lib/auth/certify';
import { RexsysTransportError } from '../../lib/errors';
import { HELLO_EVENT } from '../../lib/protocol/hello-parser';
import { CERTIFY_ROUTE, SEND_ROUTE, startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { certifyKey, closeAllSockets, connectFixed, loginAs, never, once, postEncodedRaw, rexsys, sleep, until } from '../support/emulator-helpers';

describe('emulator test hooks', () => {
  let emulator: RexsysEmulator;
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterEach(async () => {
    closeAllSockets();
    await emulator.close();
  });

  it('sessions() lists connected sockets with their login state', async () => {
    expect(emulator.sessions()).toEqual([]);
    const kiosk = await loginAs(emulator.url, 'demo', 'KIOSK-KEY');
    const { socket: anonymous } = await connectFixed(emulator.url, '/io/demo/user');
    const byId = (sid: string | undefined) => emulator.sessions().find((s) => s.sid === sid);
    expect(emulator.sessions()).toHaveLength(2);
    expect(byId(kiosk.socket.id)).toEqual({ sid: kiosk.socket.id, project: 'demo', channel: 'client', uid: 'kiosk-01', loggedIn: true });
    expect(byId(anonymous.id)).toEqual({ sid: anonymous.id, project: 'demo', channel: 'user', loggedIn: false });
  });

  it("disconnect(uid) drops every socket of uid with 'io server disconnect', which the client does not retry", async () => {
    const a = await loginAs(emulator.url, 'demo', 'KIOSK-KEY');
    // Even with socket.io-client's reconnection on, a server-side disconnect is final.
    const b = await loginAs(emulator.url, 'demo', 'KIOSK-KEY', 'client', { reconnection: true, reconnectionDelay: 10 });
    const display = await loginAs(emulator.url, 'demo', 'DISPLAY-KEY');
    const gone = [once(a.socket, 'disconnect'), once(b.socket, 'disconnect')];
    expect(emulator.disconnect('kiosk-01')).toBe(2);
    for (const [reason] of await Promise.all(gone)) expect(reason).toBe('io server disconnect');
    await until(() => emulator.sessions().length === 1, 2000, 'the kiosk sessions to go');
    expect(emulator.sessions()[0].uid).toBe('display-01');
    await Promise.all([never(a.socket, 'connect', 200), never(b.socket, 'connect', 200)]);
    expect(display.socket.connected).toBe(true);
    expect(emulator.disconnect('kiosk-01')).toBe(0);
  });

  it('inject() emits a raw payload as touid (default) or any event, even a reserved one such as connect', async () => {
    const kiosk = await loginAs(emulator.url, 'demo', 'KIOSK-KEY');
    const touid = once(kiosk.socket, 'touid');
    expect(emulator.inject('kiosk-01', { command: 'raw', data: '{"a":1}' })).toBe(1);
    expect((await touid)[0]).toEqual({ command: 'raw', data: '{"a":1}' });

    const custom = once(kiosk.socket, 'weird');
    expect(emulator.inject('kiosk-01', [1, 2], 'weird')).toBe(1);
    expect((await custom)[0]).toEqual([1, 2]);

    const hello = once(kiosk.socket, HELLO_EVENT);
    expect(emulator.inject('kiosk-01', { sid: 'again' }, 'connect')).toBe(1);
    expect((await hello)[0]).toEqual({ sid: 'again' });
    expect(emulator.inject('nobody', {})).toBe(0);
  });

  it('revokeTokens() makes every issued token invalid for login and REST, and new ones work', async () => {
    const kiosk = await loginAs(emulator.url, 'demo', 'KIOSK-KEY');
    emulator.revokeTokens();
    const reply = once(kiosk.socket, 'login');
    kiosk.socket.emit('login', { uid: 'kiosk-01', sid: kiosk.socket.id, token: kiosk.token });
    expect((await reply)[0]).toEqual({ status: 'fail', message: 'invalid token' });
    const payload = { token: kiosk.token, project: 'demo', channel: 'client', sender: 'kiosk-01', receiver: 'display-01', command: 'x', data: '1' };
    expect((await postEncodedRaw(emulator.url, SEND_ROUTE, payload, 'json')).status).toBe(401);
    const fresh = await certifyKey(emulator.url, 'demo', 'KIOSK-KEY');
    expect((await postEncodedRaw(emulator.url, SEND_ROUTE, { ...payload, token: fresh.token }, 'json')).status).toBe(200);
  });

  it('failNext() with a status fails the next POST with an error envelope, then serves again', async () => {
    emulator.failNext(CERTIFY_ROUTE, { status: 500 });
    const err = await firstValueFrom(certify({ url: emulator.url, project: 'demo', productkey: 'KIOSK-KEY' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RexsysTransportError);
    expect((err as RexsysTransportError).status).toBe(500);
    expect((err as RexsysTransportError).retryable).toBe(true);
    expect((err as RexsysTransportError).message).toMatch(/Injected fault \(HTTP 500\)/);
    const creds = await firstValueFrom(certify({ url: emulator.url, project: 'demo', productkey: 'KIOSK-KEY' }));
    expect(creds.uid).toBe('kiosk-01');
  });

  it('failNext() honours times and only touches its own path', async () => {
    emulator.failNext(SEND_ROUTE, { status: 503, times: 2 });
    const certifyOk = await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'demo', productkey: 'KIOSK-KEY' }, 'json');
    expect(certifyOk.status).toBe(200);
    const token = rexsys(certifyOk).result.token as string;
    const payload = { token, project: 'demo', channel: 'client', sender: 'kiosk-01', receiver: 'display-01', command: 'x', data: '1' };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await postEncodedRaw(emulator.url, SEND_ROUTE, payload, 'json')).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('failNext() rejects unusable faults', () => {
    expect(() => emulator.failNext(SEND_ROUTE, { times: 0 })).toThrow(/times/);
    expect(() => emulator.failNext(SEND_ROUTE, { status: 42 })).toThrow(/status/);
  });
});

describe('emulator close()', () => {
  /** Counts of the libuv handles this process holds, by kind. */
  const handles = () => {
    const counts: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  };
  afterEach(() => closeAllSockets());

  it('with failNext hang: the request stays unanswered until close(), which resolves promptly and ends it', async () => {
    const emulator = await startEmulator({ port: 0 });
    emulator.failNext(SEND_ROUTE, { hang: true });
    let settled = false;
    const pending = axios
      .post(emulator.url + SEND_ROUTE, '{}', { headers: { 'Content-Type': 'application/json' }, validateStatus: () => true })
      .then(
        (res) => ({ status: res.status, error: undefined as unknown }),
        (error: unknown) => ({ status: undefined, error }),
      )
      .finally(() => (settled = true));
    await sleep(300);
    expect(settled).toBe(false);
    const started = Date.now();
    await emulator.close();
    expect(Date.now() - started).toBeLessThan(1000);
    const outcome = await pending;
    expect(outcome.status).toBeUndefined();
    expect(outcome.error).toBeDefined();
  });

  it('disconnects every socket, refuses new connections, is idempotent, and leaves no server or socket handle open', async () => {
    const before = handles();
    const emulator = await startEmulator({ port: 0 });
    try {
      const kiosk = await loginAs(emulator.url, 'demo', 'KIOSK-KEY');
      const { socket: anonymous } = await connectFixed(emulator.url, '/io/demo/user');
      // An idle keep-alive HTTP connection too.
      await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'demo', productkey: 'KIOSK-KEY' }, 'json');
      expect(handles().TCPServerWrap ?? 0).toBe((before.TCPServerWrap ?? 0) + 1);

      const gone = [once(kiosk.socket, 'disconnect'), once(anonymous, 'disconnect')];
      const first = emulator.close();
      expect(emulator.close()).toBe(first);
      await first;
      // No listening handle is left the moment close() resolves.
      expect(handles().TCPServerWrap ?? 0).toBe(before.TCPServerWrap ?? 0);
      await Promise.all(gone);
      expect(kiosk.socket.connected || anonymous.connected).toBe(false);
      expect(emulator.sessions()).toEqual([]);

      await expect(fetch(emulator.url + CERTIFY_ROUTE, { method: 'POST', body: '' })).rejects.toThrow();
      closeAllSockets();
      await until(() => (handles().TCPSocketWrap ?? 0) <= (before.TCPSocketWrap ?? 0), 2000, 'the client sockets to close');
    } finally {
      await emulator.close();
    }
  });
});

describe('emulator options', () => {
  it('rejects unusable options with E_INVALID_ARGUMENT before listening', async () => {
    await expect(startEmulator({ port: -1 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(startEmulator({ projects: {} })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(startEmulator({ projects: { 'a/b': { K: 'x' } } })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(startEmulator({ tokenTtl: 0 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(startEmulator({ helloOrder: 'sometimes' as 'before' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('rejects with the listen error when the port is taken, leaking nothing', async () => {
    const first = await startEmulator({ port: 0 });
    try {
      await expect(startEmulator({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });

  it('reports its url and port, and serves the demo project by default', async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      expect(emulator.port).toBeGreaterThan(0);
      expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
      expect((await certifyKey(emulator.url, 'demo', 'DISPLAY-KEY')).uid).toBe('display-01');
    } finally {
      await emulator.close();
    }
  });
});
