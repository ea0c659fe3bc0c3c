/**
 * Proves, against python-socketio (the engine the real Rexsys runs), the protocol facts
 * of DESIGN §1 that the library is built on, and that the test tools work: the
 * `connect` trap and its fix, login, request/touid, REST sends, acks, restarts, the
 * test hooks and the TCP proxy.
 */
import * as http from 'node:http';
import { firstValueFrom } from 'rxjs';
import { io, type Socket } from 'socket.io-client';
import { certify, type RexsysCredentials } from '../../lib/auth/certify.js';
import { RexsysAuthError, RexsysTimeoutError, RexsysTransportError } from '../../lib/errors.js';
import { classifyLoginReply, normaliseData } from '../../lib/protocol/codecs.js';
import { encodeData } from '../../lib/protocol/encode-data.js';
import { HELLO_EVENT, helloParser } from '../../lib/protocol/hello-parser.js';
import { postEncoded } from '../../lib/transport/http.js';
import { describePy, startPythonRexsys, type PythonRexsys } from './python-server.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { once, waitFor } from './wait.js';

const NS = '/io/demo/client';
const SEND_PATH = '/api/ide/io/send';
const CERTIFY_PATH = '/api/rexsys/cgi/certificate/productkey';

/** Every socket a test opens, closed after it. */
const opened: Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.disconnect();
});

function open(origin: string, fixed = true, extra: Parameters<typeof io>[1] = {}): Socket {
  const socket = io(origin + NS, {
    reconnection: false,
    transports: ['websocket'],
    ...(fixed ? { parser: helloParser } : {}),
    ...extra,
  });
  opened.push(socket);
  return socket;
}

/** Opens a fixed socket and resolves once both the hello and the reserved `connect` came. */
async function openReady(origin: string, extra: Parameters<typeof io>[1] = {}): Promise<{ socket: Socket; sid: string }> {
  const socket = open(origin, true, extra);
  const hello = once<{ sid: string }>(socket, HELLO_EVENT, 5000);
  const connected = once(socket, 'connect', 5000);
  const [{ sid }] = await Promise.all([hello, connected]);
  return { socket, sid };
}

/** A POST on a fresh connection (no keep-alive handle left behind); the body parsed as JSON. */
function rawPost(url: string, contentType: string, body: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'Content-Type': contentType, Connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const credentialsFor = (url: string, productkey: string) => firstValueFrom(certify({ url, project: 'demo', productkey }));

async function login(socket: Socket, sid: string, creds: RexsysCredentials, token = creds.token): Promise<Record<string, unknown>> {
  const reply = once<Record<string, unknown>>(socket, 'login', 5000);
  socket.emit('login', { uid: creds.uid, sid, token });
  return reply;
}

/** A logged-in socket for `productkey`. */
async function loggedIn(url: string, productkey: string, origin = url) {
  const creds = await credentialsFor(url, productkey);
  const { socket, sid } = await openReady(origin);
  const reply = await login(socket, sid, creds);
  expect(reply).toMatchObject({ status: 'success', uid: creds.uid, sid });
  return { socket, sid, creds };
}

describePy('python-socketio Rexsys server (hello before CONNECT, the default)', () => {
  let server: PythonRexsys;
  beforeAll(async () => {
    server = await startPythonRexsys();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the connect trap: a plain socket.io-client is dropped with a parse error (invalid payload)', async () => {
    const socket = open(server.url, false);
    const events: string[] = [];
    socket.on('connect', () => events.push('connect'));
    socket.on('connect_error', (e) => events.push(`connect_error ${e.message}`));
    const [reason, description] = await new Promise<[string, unknown]>((resolve) => socket.on('disconnect', (r, d) => resolve([r, d])));
    expect(reason).toBe('parse error');
    expect((description as Error).message).toBe('invalid payload');
    expect(events).toEqual([]); // never connected: the hello came before the namespace CONNECT
    expect(socket.connected).toBe(false);
  });

  it('with helloParser the socket connects; the hello carries socket.id and comes before `connect`', async () => {
    const socket = open(server.url);
    const order: string[] = [];
    let helloSid: string | undefined;
    let idAtHello: string | undefined;
    socket.on(HELLO_EVENT, (hello: { sid: string }) => {
      order.push('hello');
      helloSid = hello.sid;
      idAtHello = socket.id;
    });
    socket.on('connect', () => order.push('connect'));
    await waitFor(() => order.length === 2, { message: 'hello and connect' });
    expect(order).toEqual(['hello', 'connect']);
    expect(typeof helloSid).toBe('string');
    expect(helloSid).toBe(socket.id);
    expect(idAtHello).toBe(socket.id);
    // No parse error, no reconnect loop: still connected a moment later.
    await new Promise((r) => setTimeout(r, 150));
    expect(socket.connected).toBe(true);
  });

  it('certify() returns the credentials the server issued', async () => {
    const creds = await credentialsFor(server.url, 'KIOSK-KEY');
    expect(creds).toMatchObject({ uid: 'kiosk-01', project: 'demo', namespaces: { client: '/io/demo/client', user: '/io/demo/user' } });
    expect(creds.token).toMatch(/^[0-9a-f]{32}$/);
    expect(creds.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
  });

  it('certify() with an unknown productkey is refused (E_CERTIFY_REFUSED), the server message kept', async () => {
    const err = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: 'NOPE' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RexsysAuthError);
    expect((err as RexsysAuthError).code).toBe('E_CERTIFY_REFUSED');
    expect((err as Error).message).toContain('unknown project or productkey');
  });

  it('certify() works with every body format (form, json, text)', async () => {
    for (const body of ['form', 'json', 'text'] as const) {
      const creds = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: 'DISPLAY-KEY', body }));
      expect(creds.uid).toBe('display-01');
    }
  });

  it('a bad EncodeData (or one not holding an object) answers HTTP 400 with an envelope naming the problem', async () => {
    const cases: Array<[string, RegExp]> = [
      ['!!!', /base64/],
      [btoa('%E0%A4%A'), /%-escape/],
      [btoa('not json'), /JSON/],
      [encodeData(null), /object/],
      [encodeData([1]), /object/],
    ];
    for (const [raw, why] of cases) {
      const res = await rawPost(server.url + CERTIFY_PATH, 'application/json', JSON.stringify({ EncodeData: raw }));
      expect(res.status).toBe(400);
      const envelope = res.body as { rexsys: { server: { status: string; message: string } } };
      expect(envelope.rexsys.server.status).toBe('fail');
      expect(envelope.rexsys.server.message).toMatch(why);
    }
    const noField = await rawPost(server.url + CERTIFY_PATH, 'application/x-www-form-urlencoded', 'Other=1');
    expect(noField.status).toBe(400);
  });

  it('login succeeds with the issued token, uid and the socket sid', async () => {
    const creds = await credentialsFor(server.url, 'KIOSK-KEY');
    const { socket, sid } = await openReady(server.url);
    const reply = await login(socket, sid, creds);
    expect(reply).toEqual({ status: 'success', uid: 'kiosk-01', sid });
    expect(classifyLoginReply(reply).ok).toBe(true);
    const sessions = await server.sessions();
    expect(sessions).toContainEqual({ sid, project: 'demo', channel: 'client', uid: 'kiosk-01', loggedIn: true });
  });

  it('login is refused for a wrong sid, uid or token, and the reply never echoes the token', async () => {
    const creds = await credentialsFor(server.url, 'KIOSK-KEY');
    const { socket, sid } = await openReady(server.url);
    const attempts: Array<[string, Record<string, string>]> = [
      ['sid', { uid: creds.uid, sid: 'someone-else', token: creds.token }],
      ['uid', { uid: 'display-01', sid, token: creds.token }],
      ['token', { uid: creds.uid, sid, token: 'f'.repeat(32) }],
    ];
    for (const [, payload] of attempts) {
      const reply = once<Record<string, unknown>>(socket, 'login');
      socket.emit('login', payload);
      const r = await reply;
      expect(r).toMatchObject({ status: 'fail', message: expect.any(String) });
      expect(JSON.stringify(r)).not.toContain(payload.token);
      expect(classifyLoginReply(r).ok).toBe(false);
    }
    expect((await server.sessions()).find((s) => s.sid === sid)).toEqual({ sid, project: 'demo', channel: 'client', loggedIn: false });
  });

  it('two logged-in clients exchange request -> touid both ways; sender is stamped by the server', async () => {
    const kiosk = await loggedIn(server.url, 'KIOSK-KEY');
    const display = await loggedIn(server.url, 'DISPLAY-KEY');

    const atDisplay = once<Record<string, unknown>>(display.socket, 'touid');
    kiosk.socket.emit('request', { channel: 'client', sender: 'kiosk-01', receiver: 'display-01', command: 'show', data: { n: 1, text: '안녕 👋' } });
    expect(await atDisplay).toEqual({ command: 'show', data: { n: 1, text: '안녕 👋' }, sender: 'kiosk-01', receiver: 'display-01', channel: 'client' });

    // The other way, with a forged sender: the server stamps the logged-in uid.
    const atKiosk = once<Record<string, unknown>>(kiosk.socket, 'touid');
    display.socket.emit('request', { channel: 'client', sender: 'kiosk-01', receiver: 'kiosk-01', command: 'ack', data: [1, 2] });
    expect(await atKiosk).toEqual({ command: 'ack', data: [1, 2], sender: 'display-01', receiver: 'kiosk-01', channel: 'client' });

    const delivered = await server.delivered();
    expect(delivered.slice(-2)).toEqual([
      { via: 'socket', project: 'demo', sender: 'kiosk-01', receiver: 'display-01', command: 'show', data: { n: 1, text: '안녕 👋' } },
      { via: 'socket', project: 'demo', sender: 'display-01', receiver: 'kiosk-01', command: 'ack', data: [1, 2] },
    ]);
  });

  it('drops a request from a socket that has not logged in, and one to an offline receiver', async () => {
    const kiosk = await loggedIn(server.url, 'KIOSK-KEY');
    const stranger = await openReady(server.url);
    const before = (await server.dropped()).length;
    stranger.socket.emit('request', { channel: 'client', sender: 'x', receiver: 'kiosk-01', command: 'sneak', data: {} });
    kiosk.socket.emit('request', { channel: 'client', sender: 'kiosk-01', receiver: 'nobody', command: 'lost', data: {} });
    await waitFor(async () => (await server.dropped()).length >= before + 2, { message: 'two dropped requests' });
    const dropped = (await server.dropped()).slice(before);
    expect(dropped).toEqual(
      expect.arrayContaining([
        { reason: 'sender not logged in', via: 'socket', receiver: 'kiosk-01', command: 'sneak' },
        { reason: 'receiver offline', via: 'socket', receiver: 'nobody', command: 'lost' },
      ]),
    );
  });

  it('a REST send arrives as touid with data as the JSON string that was posted', async () => {
    const display = await loggedIn(server.url, 'DISPLAY-KEY');
    const kioskCreds = await credentialsFor(server.url, 'KIOSK-KEY');
    const data = { text: '한국어 %+/= 🎉', list: [1, null, true] };
    const arrived = once<Record<string, unknown>>(display.socket, 'touid');
    for (const body of ['json', 'form', 'text'] as const) {
      const answer = await firstValueFrom(
        postEncoded(
          server.url + SEND_PATH,
          {
            token: kioskCreds.token,
            project: 'demo',
            channel: 'client',
            sender: 'kiosk-01',
            receiver: 'display-01',
            command: 'show',
            data: JSON.stringify(data),
          },
          { body },
        ),
      );
      expect(answer.rexsys.server.status).toBe('success');
      expect(answer.rexsys.result).toEqual({ delivered: 1, receiver: 'display-01', command: 'show' });
    }
    const message = await arrived;
    expect(message).toEqual({ command: 'show', data: JSON.stringify(data), sender: 'kiosk-01', receiver: 'display-01', channel: 'client' });
    expect(normaliseData(message.data)).toEqual(data);
    expect((await server.delivered()).at(-1)).toEqual({
      via: 'rest',
      project: 'demo',
      sender: 'kiosk-01',
      receiver: 'display-01',
      command: 'show',
      data: JSON.stringify(data),
    });
  });

  it('a REST send with a bad token is HTTP 401 with status fail', async () => {
    const err = await firstValueFrom(
      postEncoded(server.url + SEND_PATH, { token: 'bad', project: 'demo', channel: 'client', sender: 'x', receiver: 'display-01', command: 'c', data: '{}' }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RexsysTransportError);
    expect((err as RexsysTransportError).status).toBe(401);
    expect((err as RexsysTransportError).body).toMatchObject({ rexsys: { server: { status: 'fail' } } });
  });

  it('acks: a handled event gets an empty ack (even when the server drops it); an unknown event gets none', async () => {
    const { socket } = await openReady(server.url); // not logged in: the request is acked, then dropped
    await expect(
      socket.timeout(2000).emitWithAck('request', { channel: 'client', sender: 'x', receiver: 'y', command: 'z', data: {} }),
    ).resolves.toBeUndefined();
    const kiosk = await loggedIn(server.url, 'KIOSK-KEY');
    await expect(
      kiosk.socket.timeout(2000).emitWithAck('request', { channel: 'client', sender: 'kiosk-01', receiver: 'kiosk-01', command: 'self', data: 1 }),
    ).resolves.toBeUndefined();
    await expect(socket.timeout(500).emitWithAck('no-such-event', {})).rejects.toThrow('operation has timed out');
  });

  it('test hooks: inject and server-side disconnect reach every socket of a uid', async () => {
    const a = await loggedIn(server.url, 'KIOSK-KEY');
    const b = await loggedIn(server.url, 'KIOSK-KEY');
    const got = [once(a.socket, 'custom'), once(b.socket, 'custom')];
    expect(await server.inject('kiosk-01', { hi: 1 }, 'custom')).toBeGreaterThanOrEqual(2);
    expect(await Promise.all(got)).toEqual([{ hi: 1 }, { hi: 1 }]);

    const reasons = [once<string>(a.socket, 'disconnect'), once<string>(b.socket, 'disconnect')];
    expect(await server.disconnect('kiosk-01')).toBeGreaterThanOrEqual(2);
    expect(await Promise.all(reasons)).toEqual(['io server disconnect', 'io server disconnect']);
    await waitFor(async () => !(await server.sessions()).some((s) => s.uid === 'kiosk-01'), { message: 'kiosk sessions forgotten' });
    expect(await server.disconnect('kiosk-01')).toBe(0);
  });

  it('sessions are forgotten when the client disconnects', async () => {
    const { socket, sid } = await openReady(server.url);
    expect((await server.sessions()).map((s) => s.sid)).toContain(sid);
    socket.disconnect();
    await waitFor(async () => !(await server.sessions()).some((s) => s.sid === sid), { message: `session ${sid} forgotten` });
  });

  it('revokeTokens: logins and REST sends with old tokens fail', async () => {
    const creds = await credentialsFor(server.url, 'KIOSK-KEY');
    await server.revokeTokens();
    const { socket, sid } = await openReady(server.url);
    expect(await login(socket, sid, creds)).toMatchObject({ status: 'fail' });
    const err = await firstValueFrom(
      postEncoded(server.url + SEND_PATH, {
        token: creds.token,
        project: 'demo',
        channel: 'client',
        sender: 'kiosk-01',
        receiver: 'display-01',
        command: 'c',
        data: '1',
      }),
    ).catch((e: unknown) => e);
    expect((err as RexsysTransportError).status).toBe(401);
  });

  it('failNext: the next POSTs answer the status, `times` times, then the path works again', async () => {
    await server.failNext(CERTIFY_PATH, { status: 503, times: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await credentialsFor(server.url, 'KIOSK-KEY').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RexsysTransportError);
      expect((err as RexsysTransportError).status).toBe(503);
      expect((err as Error).message).toContain('injected failure');
    }
    expect((await credentialsFor(server.url, 'KIOSK-KEY')).uid).toBe('kiosk-01');
  });

  it('failNext with hang: the POST gets no answer (the caller times out)', async () => {
    await server.failNext(CERTIFY_PATH, { hang: true });
    const err = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY', timeout: 300 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RexsysTimeoutError);
    expect((await credentialsFor(server.url, 'KIOSK-KEY')).uid).toBe('kiosk-01');
  });
});

describePy('python-socketio Rexsys server (hello after CONNECT: always_connect=True)', () => {
  let server: PythonRexsys;
  beforeAll(async () => {
    server = await startPythonRexsys({ helloOrder: 'after' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a plain socket.io-client connects, then is dropped with a parse error when the hello arrives', async () => {
    const socket = open(server.url, false);
    const events: string[] = [];
    socket.on('connect', () => events.push('connect'));
    const reason = await once<string>(socket, 'disconnect');
    expect(reason).toBe('parse error');
    expect(events).toEqual(['connect']);
  });

  it('with helloParser: `connect` first, then the hello with sid === socket.id; login works', async () => {
    const socket = open(server.url);
    const order: string[] = [];
    let helloSid: string | undefined;
    socket.on('connect', () => order.push('connect'));
    socket.on(HELLO_EVENT, (hello: { sid: string }) => {
      order.push('hello');
      helloSid = hello.sid;
    });
    await waitFor(() => order.length === 2, { message: 'connect and hello' });
    expect(order).toEqual(['connect', 'hello']);
    expect(helloSid).toBe(socket.id);
    const creds = await credentialsFor(server.url, 'KIOSK-KEY');
    expect(await login(socket, helloSid!, creds)).toMatchObject({ status: 'success' });
  });
});

describePy('python-socketio Rexsys server: restart and token expiry', () => {
  let server: PythonRexsys;
  afterEach(async () => {
    await server?.close();
  });

  it('restart() keeps the port and loses every token: the old token fails to log in', async () => {
    server = await startPythonRexsys();
    const creds = await credentialsFor(server.url, 'KIOSK-KEY');
    const first = await openReady(server.url);
    expect(await login(first.socket, first.sid, creds)).toMatchObject({ status: 'success' });

    const dropped = once<string>(first.socket, 'disconnect', 8000);
    await server.restart();
    expect(await dropped).toMatch(/transport close|io server disconnect/);

    const { socket, sid } = await openReady(server.url);
    expect(await login(socket, sid, creds)).toMatchObject({ status: 'fail', message: 'unknown token' });
    const fresh = await credentialsFor(server.url, 'KIOSK-KEY');
    expect(fresh.token).not.toBe(creds.token);
    expect(await login(socket, sid, fresh)).toMatchObject({ status: 'success' });
  });

  it('a server that cannot start rejects with its stderr (here: the port is taken)', async () => {
    server = await startPythonRexsys();
    const err = await startPythonRexsys({ port: server.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/exited before READY[\s\S]*stderr:[\s\S]*(address already in use|Errno 98)/i);
  });

  it('tokenTtl: an expired token is refused', async () => {
    server = await startPythonRexsys({ tokenTtl: 1, projects: { acme: { K: 'k-1' } } });
    const creds = await firstValueFrom(certify({ url: server.url, project: 'acme', productkey: 'K' }));
    expect(creds.uid).toBe('k-1');
    expect(creds.namespaces?.client).toBe('/io/acme/client');
    await new Promise((r) => setTimeout(r, 1100));
    const socket = io(server.url + '/io/acme/client', { reconnection: false, transports: ['websocket'], parser: helloParser });
    opened.push(socket);
    const { sid } = await once<{ sid: string }>(socket, HELLO_EVENT);
    const reply = once<Record<string, unknown>>(socket, 'login');
    socket.emit('login', { uid: creds.uid, sid, token: creds.token });
    expect(await reply).toMatchObject({ status: 'fail', message: 'token expired' });
  });
});

describePy('TCP proxy in front of the python server', () => {
  let server: PythonRexsys;
  let proxy: TcpProxy;
  beforeAll(async () => {
    server = await startPythonRexsys();
    proxy = await startTcpProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('connects through the proxy; cut() drops the network: the client sees `transport close`', async () => {
    const { socket } = await loggedIn(server.url, 'KIOSK-KEY', proxy.url);
    expect(proxy.connections()).toBe(1);
    const reason = once<string>(socket, 'disconnect');
    proxy.cut();
    expect(await reason).toBe('transport close');
    expect(proxy.connections()).toBe(0);
    // The server notices too and forgets the session.
    await waitFor(async () => !(await server.sessions()).some((s) => s.uid === 'kiosk-01'), { message: 'server forgets the cut socket', timeout: 8000 });
  });

  it('setBlocked(true) refuses new connections until unblocked', async () => {
    proxy.setBlocked(true);
    const blocked = open(proxy.url);
    const err = await once<Error>(blocked, 'connect_error');
    expect(err).toBeInstanceOf(Error);
    expect(blocked.connected).toBe(false);
    proxy.setBlocked(false);
    const { socket } = await openReady(proxy.url);
    expect(socket.connected).toBe(true);
  });
});

// Sanity check of a helper used above: EncodeData is what the server decodes.
describePy('python server reads EncodeData exactly as DESIGN §1.1 says', () => {
  let server: PythonRexsys;
  beforeAll(async () => {
    server = await startPythonRexsys({ projects: { 프로젝트: { '키 %+/=': 'kiosk-한' } } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('non-ASCII and URI-special characters in the payload survive', async () => {
    const res = await rawPost(
      server.url + CERTIFY_PATH,
      'text/plain;charset=UTF-8',
      JSON.stringify({ EncodeData: encodeData({ project: '프로젝트', productkey: '키 %+/=' }) }),
    );
    expect(res.status).toBe(200);
    const envelope = res.body as { rexsys: { result: { clientid: string; config: { io: { client: string } } } } };
    expect(envelope.rexsys.result.clientid).toBe('kiosk-한');
    expect(envelope.rexsys.result.config.io.client).toBe('/io/프로젝트/client');
  });
});
