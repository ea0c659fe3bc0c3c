/**
 * Messages: socket `request` → `touid` (sender stamped), drops, and the REST send
 * (DESIGN §1.3, §1.4).
 */
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { SEND_ROUTE, startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import {
  closeAllSockets,
  connectFixed,
  emitWithAckArgs,
  loginAs,
  never,
  once,
  postEncodedRaw,
  postRaw,
  rexsys,
  type LoggedIn,
} from '../support/emulator-helpers';

const KOREAN = '안녕하세요, 키오스크! 🎉👍🏽 — “quotes” & %41 + ok';

describe('emulator routing', () => {
  let emulator: RexsysEmulator;
  let kiosk: LoggedIn;
  let display: LoggedIn;

  let lines: string[];

  beforeEach(async () => {
    lines = [];
    emulator = await startEmulator({ port: 0, logger: (l) => lines.push(l) });
    kiosk = await loginAs(emulator.url, 'demo', 'KIOSK-KEY');
    display = await loginAs(emulator.url, 'demo', 'DISPLAY-KEY');
  });
  afterEach(async () => {
    closeAllSockets();
    await emulator.close();
  });

  const request = (from: Socket, receiver: string, command: string, data: unknown, sender = 'whoever') =>
    emitWithAckArgs(from, 'request', { channel: 'client', sender, receiver, command, data });

  describe('over the socket', () => {
    it('routes request → touid both ways, stamping the sender and keeping Korean text and emoji intact', async () => {
      const atDisplay = once(display.socket, 'touid');
      expect(await request(kiosk.socket, 'display-01', 'show', { text: KOREAN, n: 1 }, 'kiosk-01')).toEqual([]);
      expect((await atDisplay)[0]).toEqual({ command: 'show', data: { text: KOREAN, n: 1 }, sender: 'kiosk-01', receiver: 'display-01', channel: 'client' });

      const atKiosk = once(kiosk.socket, 'touid');
      await request(display.socket, 'kiosk-01', 'shown', { ok: true, echo: KOREAN }, 'display-01');
      expect((await atKiosk)[0]).toEqual({ command: 'shown', data: { ok: true, echo: KOREAN }, sender: 'display-01', receiver: 'kiosk-01', channel: 'client' });

      expect(
        emulator.delivered().map(({ via, project, channel, sender, receiver, command }) => ({ via, project, channel, sender, receiver, command })),
      ).toEqual([
        { via: 'socket', project: 'demo', channel: 'client', sender: 'kiosk-01', receiver: 'display-01', command: 'show' },
        { via: 'socket', project: 'demo', channel: 'client', sender: 'display-01', receiver: 'kiosk-01', command: 'shown' },
      ]);
      expect(emulator.delivered()[0].data).toEqual({ text: KOREAN, n: 1 });
      expect(typeof emulator.delivered()[0].at).toBe('number');
    });

    it('forwards any JSON data and any Unicode text unchanged, over the socket and over REST (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), fc.string({ unit: 'grapheme', maxLength: 40 }), async (data, text) => {
          const viaSocket = once(display.socket, 'touid');
          await request(kiosk.socket, 'display-01', 'p', { data, text });
          const [got] = (await viaSocket) as [{ data: unknown }];
          expect(JSON.stringify(got.data)).toBe(JSON.stringify({ data, text }));

          const posted = JSON.stringify({ text, data });
          const viaRest = once(display.socket, 'touid');
          const res = await postEncodedRaw(
            emulator.url,
            SEND_ROUTE,
            { token: kiosk.token, project: 'demo', channel: 'client', sender: 'kiosk-01', receiver: 'display-01', command: 'p', data: posted },
            'form',
          );
          expect(rexsys(res).result).toMatchObject({ delivered: 1 });
          expect(((await viaRest) as [{ data: unknown }])[0].data).toBe(posted);
        }),
        { numRuns: 25 },
      );
    });

    it('replaces a spoofed sender with the logged-in uid', async () => {
      const atDisplay = once(display.socket, 'touid');
      await request(kiosk.socket, 'display-01', 'show', {}, 'display-01');
      expect((await atDisplay)[0]).toMatchObject({ sender: 'kiosk-01' });
      expect(emulator.delivered()[0].sender).toBe('kiosk-01');
    });

    it('delivers to every logged-in socket of the receiver', async () => {
      const second = await loginAs(emulator.url, 'demo', 'DISPLAY-KEY');
      const one = once(display.socket, 'touid');
      const two = once(second.socket, 'touid');
      await request(kiosk.socket, 'display-01', 'show', { x: 1 });
      await Promise.all([one, two]);
    });

    it('drops a request from a socket that is not logged in (acked, recorded, not delivered)', async () => {
      const { socket: anonymous } = await connectFixed(emulator.url, '/io/demo/client');
      expect(await request(anonymous, 'display-01', 'show', { x: 1 }, 'kiosk-01')).toEqual([]);
      await never(display.socket, 'touid', 200);
      expect(emulator.dropped()).toEqual([{ reason: 'not logged in', via: 'socket', receiver: 'display-01', command: 'show' }]);
      expect(emulator.delivered()).toEqual([]);
    });

    it('drops a request to an offline receiver', async () => {
      await request(kiosk.socket, 'nobody-01', 'show', {});
      expect(emulator.dropped()).toEqual([{ reason: 'receiver offline', via: 'socket', receiver: 'nobody-01', command: 'show' }]);
    });

    it('drops a malformed request', async () => {
      expect(await emitWithAckArgs(kiosk.socket, 'request', { receiver: 'display-01' })).toEqual([]);
      await never(display.socket, 'touid', 100);
      expect(emulator.dropped()).toEqual([{ reason: 'malformed request', via: 'socket', receiver: 'display-01' }]);
    });

    it("routes on the channel the request names: the receiver's /user socket gets it, its /client socket does not", async () => {
      const userDisplay = await loginAs(emulator.url, 'demo', 'DISPLAY-KEY', 'user');
      const atUser = once(userDisplay.socket, 'touid');
      const notAtClient = never(display.socket, 'touid', 150);
      await emitWithAckArgs(kiosk.socket, 'request', { channel: 'user', sender: 'kiosk-01', receiver: 'display-01', command: 'u', data: 1 });
      expect((await atUser)[0]).toEqual({ command: 'u', data: 1, sender: 'kiosk-01', receiver: 'display-01', channel: 'user' });
      await notAtClient;
    });
  });

  describe('over REST (POST /api/ide/io/send)', () => {
    const payload = (over: Record<string, unknown> = {}) => ({
      token: kiosk.token,
      project: 'demo',
      channel: 'client',
      sender: 'kiosk-01',
      receiver: 'display-01',
      command: 'show',
      data: JSON.stringify({ text: KOREAN }),
      ...over,
    });

    it('delivers a JSON-body send as touid with data as the posted JSON string, sender stamped from the token', async () => {
      const atDisplay = once(display.socket, 'touid');
      const res = await postEncodedRaw(emulator.url, SEND_ROUTE, payload({ sender: 'display-01' }), 'json');
      expect(res.status).toBe(200);
      expect(rexsys(res).server.status).toBe('success');
      expect(rexsys(res).result).toEqual({ delivered: 1, receiver: 'display-01', command: 'show' });
      const [message] = await atDisplay;
      expect(message).toEqual({ command: 'show', data: JSON.stringify({ text: KOREAN }), sender: 'kiosk-01', receiver: 'display-01', channel: 'client' });
      expect(JSON.parse((message as { data: string }).data)).toEqual({ text: KOREAN });
      expect(emulator.delivered()).toEqual([
        expect.objectContaining({ via: 'rest', sender: 'kiosk-01', receiver: 'display-01', data: JSON.stringify({ text: KOREAN }) }),
      ]);
    });

    it('logs sends and stamping, never the token', async () => {
      await postEncodedRaw(emulator.url, SEND_ROUTE, payload({ sender: 'mallory' }), 'form');
      await postEncodedRaw(emulator.url, SEND_ROUTE, payload({ token: 'not-a-real-token' }), 'form');
      const log = lines.join('\n');
      expect(log).toMatch(/claimed sender "mallory" replaced by the token's client id kiosk-01/);
      expect(log).toMatch(/rest demo\/client kiosk-01 -> display-01 "show" delivered to 1 socket/);
      expect(log).toMatch(/refused: unknown token/);
      expect(log).not.toContain(kiosk.token);
      expect(log).not.toContain(display.token);
      expect(log).not.toContain('not-a-real-token');
    });

    it.each(['form', 'text'] as const)('accepts a %s body too', async (format) => {
      const atDisplay = once(display.socket, 'touid');
      const res = await postEncodedRaw(emulator.url, SEND_ROUTE, payload({ data: '"plain"' }), format);
      expect(rexsys(res).result).toMatchObject({ delivered: 1 });
      expect((await atDisplay)[0]).toMatchObject({ data: '"plain"' });
    });

    it('answers 200 with delivered 0 for an offline receiver and records the drop', async () => {
      const res = await postEncodedRaw(emulator.url, SEND_ROUTE, payload({ receiver: 'nobody-01' }), 'json');
      expect(res.status).toBe(200);
      expect(rexsys(res).result).toEqual({ delivered: 0, receiver: 'nobody-01', command: 'show' });
      expect(emulator.dropped()).toEqual([{ reason: 'receiver offline', via: 'rest', receiver: 'nobody-01', command: 'show' }]);
    });

    it("answers 401 'invalid token' for an unknown token, without echoing it", async () => {
      const bad = 'e'.repeat(48);
      const res = await postEncodedRaw(emulator.url, SEND_ROUTE, payload({ token: bad }), 'json');
      expect(res.status).toBe(401);
      expect(rexsys(res).server).toMatchObject({ status: 'fail', message: 'invalid token' });
      expect(JSON.stringify(res.data)).not.toContain(bad);
      await never(display.socket, 'touid', 100);
      expect(emulator.delivered()).toEqual([]);
    });

    it("answers 401 for a token used on another project's name", async () => {
      const res = await postEncodedRaw(emulator.url, SEND_ROUTE, payload({ project: 'other' }), 'json');
      expect(res.status).toBe(401);
      expect(rexsys(res).server.message).toBe('invalid token');
    });

    it('answers 400 for a payload of the wrong shape (data not a string) without echoing the token', async () => {
      const res = await postEncodedRaw(emulator.url, SEND_ROUTE, payload({ data: { not: 'a string' }, token: ['secret-token-xyz'] }), 'json');
      expect(res.status).toBe(400);
      expect(rexsys(res).server.status).toBe('error');
      expect(rexsys(res).server.message).toMatch(/at token: expected string, got "\[redacted\]".*at data: expected string/);
      expect(JSON.stringify(res.data)).not.toContain('secret-token-xyz');
    });

    it('answers 400 for bad EncodeData', async () => {
      const res = await postRaw(emulator.url, SEND_ROUTE, JSON.stringify({ EncodeData: '***' }), 'application/json');
      expect(res.status).toBe(400);
      expect(rexsys(res).server.message).toMatch(/base64/);
    });
  });
});
