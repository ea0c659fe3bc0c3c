/**
 * `login` over the socket (DESIGN §1.3): the replies, the checks (token, uid, project,
 * sid, expiry) and python-socketio's empty acks.
 */
import { SEND_ROUTE, startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { certifyKey, closeAllSockets, connectFixed, emitWithAckArgs, loginAs, once, postEncodedRaw, rexsys, sleep, until } from '../support/emulator-helpers';

const PROJECTS = { demo: { 'KIOSK-KEY': 'kiosk-01', 'DISPLAY-KEY': 'display-01' }, acme: { 'ACME-KEY': 'acme-01' } };

describe('emulator login', () => {
  let emulator: RexsysEmulator;
  const lines: string[] = [];
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, projects: PROJECTS, logger: (l) => lines.push(l) });
  });
  afterEach(() => closeAllSockets());
  afterAll(() => emulator.close());

  /** Logs in on a fresh /io/demo/client socket with what `tweak` makes of good credentials. */
  async function attempt(tweak: (good: { uid: string; sid: string; token: string }) => unknown, productkey = 'KIOSK-KEY') {
    const { uid, token } = await certifyKey(emulator.url, 'demo', productkey);
    const { socket } = await connectFixed(emulator.url, '/io/demo/client');
    const reply = once(socket, 'login');
    const ackArgs = await emitWithAckArgs(socket, 'login', tweak({ uid, sid: socket.id!, token }));
    const [answer] = await reply;
    return { socket, token, answer, ackArgs };
  }

  it("answers a valid login with { status: 'success', uid, sid } and an empty ack", async () => {
    const { socket, answer, ackArgs } = await attempt((good) => good);
    expect(answer).toEqual({ status: 'success', uid: 'kiosk-01', sid: socket.id });
    expect(ackArgs).toEqual([]);
    expect(emulator.sessions().find((s) => s.sid === socket.id)).toEqual({
      sid: socket.id,
      project: 'demo',
      channel: 'client',
      uid: 'kiosk-01',
      loggedIn: true,
    });
  });

  it('answers a login emitted without an ack callback too', async () => {
    const { socket } = await loginAs(emulator.url, 'demo', 'DISPLAY-KEY');
    expect(emulator.sessions().find((s) => s.sid === socket.id)?.uid).toBe('display-01');
  });

  it.each([
    ['an unknown token', (g: { uid: string; sid: string; token: string }) => ({ ...g, token: 'f'.repeat(48) }), 'invalid token'],
    ["a uid other than the token's", (g: { uid: string; sid: string; token: string }) => ({ ...g, uid: 'display-01' }), 'uid does not match the token'],
    ["a sid other than the socket's", (g: { uid: string; sid: string; token: string }) => ({ ...g, sid: 'someone-else' }), 'sid does not match this socket'],
    [
      'a malformed payload',
      (g: { uid: string; sid: string; token: string }) => ({ uid: g.uid, sid: g.sid }),
      'malformed login: expected { uid, sid, token } strings',
    ],
  ])("refuses %s with { status: 'fail', message } (no token in it) and still acks", async (_what, tweak, message) => {
    const { socket, token, answer, ackArgs } = await attempt(tweak);
    expect(answer).toEqual({ status: 'fail', message });
    expect(JSON.stringify(answer)).not.toContain(token);
    expect(ackArgs).toEqual([]);
    expect(emulator.sessions().find((s) => s.sid === socket.id)).toMatchObject({ loggedIn: false });
    expect(lines.join('\n')).not.toContain(token);
  });

  it("refuses a token issued for another project's client on this project's namespace", async () => {
    const acme = await certifyKey(emulator.url, 'acme', 'ACME-KEY');
    const { socket } = await connectFixed(emulator.url, '/io/demo/client');
    const reply = once(socket, 'login');
    socket.emit('login', { uid: acme.uid, sid: socket.id, token: acme.token });
    expect((await reply)[0]).toEqual({ status: 'fail', message: 'token was issued for another project' });
  });

  it('a refused login logs a logged-in socket out', async () => {
    const { socket, uid, token } = await loginAs(emulator.url, 'demo', 'KIOSK-KEY');
    const reply = once(socket, 'login');
    socket.emit('login', { uid, sid: socket.id, token: token.replace(/.$/, (c) => (c === '0' ? '1' : '0')) });
    expect((await reply)[0]).toMatchObject({ status: 'fail' });
    expect(emulator.sessions().find((s) => s.sid === socket.id)).toEqual({ sid: socket.id, project: 'demo', channel: 'client', loggedIn: false });
  });

  it('gives no ack to an event it has no handler for', async () => {
    const { socket } = await connectFixed(emulator.url, '/io/demo/client');
    await expect(emitWithAckArgs(socket, 'bogus', { x: 1 }, 300)).rejects.toThrow(/timed out/);
  });

  it('forgets a session when its socket disconnects', async () => {
    const { socket } = await loginAs(emulator.url, 'demo', 'KIOSK-KEY');
    const sid = socket.id;
    expect(emulator.sessions().some((s) => s.sid === sid)).toBe(true);
    socket.disconnect();
    await until(() => !emulator.sessions().some((s) => s.sid === sid), 2000, 'the session to go');
  });
});

describe('emulator login: token expiry', () => {
  let emulator: RexsysEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, tokenTtl: 0.3 });
  });
  afterEach(() => closeAllSockets());
  afterAll(() => emulator.close());

  it('accepts a token before it expires and refuses it after', async () => {
    const { uid, token } = await certifyKey(emulator.url, 'demo', 'KIOSK-KEY');
    const { socket } = await connectFixed(emulator.url, '/io/demo/client');
    const first = once(socket, 'login');
    socket.emit('login', { uid, sid: socket.id, token });
    expect((await first)[0]).toMatchObject({ status: 'success' });
    await sleep(350);
    const second = once(socket, 'login');
    socket.emit('login', { uid, sid: socket.id, token });
    expect((await second)[0]).toEqual({ status: 'fail', message: 'token expired' });
  });

  it('refuses an expired token on the REST send with 401', async () => {
    const { token } = await certifyKey(emulator.url, 'demo', 'KIOSK-KEY');
    const payload = { token, project: 'demo', channel: 'client', sender: 'kiosk-01', receiver: 'display-01', command: 'x', data: '1' };
    expect((await postEncodedRaw(emulator.url, SEND_ROUTE, payload, 'json')).status).toBe(200);
    await sleep(350);
    const res = await postEncodedRaw(emulator.url, SEND_ROUTE, payload, 'json');
    expect(res.status).toBe(401);
    expect(rexsys(res).server).toMatchObject({ status: 'fail', message: 'invalid token' });
    expect(rexsys(res).result).toMatchObject({ reason: 'expired' });
  });
});
