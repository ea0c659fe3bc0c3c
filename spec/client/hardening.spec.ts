/**
 * Issue #12 (hostile testing), the client-side items, over real sockets: the emulator,
 * and small Node socket.io servers that misbehave on the wire where the emulator cannot
 * (no namespace CONNECT, a kick after each login, a login withdrawn after success).
 */
import axios from 'axios';
import * as t from 'io-ts';
import * as http from 'node:http';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { Encoder, PacketType } from 'socket.io-parser';
import { internals, type ClientInternals } from '../../lib/client/create-client';
import { writeEvent } from '../../lib/emulator/raw-emit';
import type { ConnectionState, RexsysClient, RexsysError } from '../../lib/index';
import { CERTIFY_PATH } from '../../lib/protocol/paths';
import { clientFactory, record, untilStatus } from '../support/client-helpers';
import { startEmulatorServer, type TestServer } from '../support/servers';
import { delay, waitFor } from '../support/wait';

const inner = (c: RexsysClient): ClientInternals => (c as unknown as { [internals]: ClientInternals })[internals];

const failure = (p: Promise<unknown>): Promise<RexsysError> =>
  p.then(
    (v) => {
      throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
    },
    (e: RexsysError) => e,
  );

/** A Node socket.io server on `/io/demo/client`, configured per test. */
async function bareServer(setup: (nsp: ReturnType<Server['of']>) => void) {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  setup(io.of('/io/demo/client'));
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  return {
    url,
    io,
    // closes the HTTP server too
    close: () => io.close(),
  };
}

/** Hello first, as python-socketio sends it; `onLogin` answers the login. */
const greet = (socket: ServerSocket, onLogin: (socket: ServerSocket, payload: { uid: string; sid: string }) => void) => {
  socket.on('login', (payload: { uid: string; sid: string }) => onLogin(socket, payload));
};

describe('hardening (issue #12) against the emulator', () => {
  let server: TestServer;
  const { make, closeAll } = clientFactory(() => server.url, { sendTimeout: 5000 });
  beforeAll(async () => {
    server = await startEmulatorServer();
  });
  afterEach(async () => {
    closeAll();
    await waitFor(async () => (await server.sessions()).length === 0, { message: 'server still has sockets' });
  });
  afterAll(() => server.close());

  const display = async () => {
    const c = make('DISPLAY-KEY');
    const got = record(c.messages$);
    await untilStatus(c, 'ready');
    return { c, got };
  };

  it('#12.1: data that cannot be serialised fails at once with E_ENCODE, and the sends queued behind it go', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    // queued before ready, as in the report
    const bigint = failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'bad', data: { n: 1n } }, { via: 'socket' })));
    const cycle = failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'bad', data: circular }, { via: 'socket' })));
    const good = firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'good', data: 1 }, { via: 'socket' }));
    expect(await bigint).toMatchObject({ code: 'E_ENCODE', name: 'RexsysEncodingError' });
    expect(await cycle).toMatchObject({ code: 'E_ENCODE' });
    expect(await good).toMatchObject({ via: 'socket', acked: true });
    // while ready, and over REST: the same precise code
    const hold = kiosk.state$.subscribe();
    await untilStatus(kiosk, 'ready');
    expect(await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'bad', data: 2n }, { via: 'socket' })))).toMatchObject({
      code: 'E_ENCODE',
    });
    expect(await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'bad', data: 3n }, { via: 'rest' })))).toMatchObject({
      code: 'E_ENCODE',
    });
    // while ready a socket send is checked by socket.io's own encoding (#18): a cycle is named as JSON names it
    const acksBefore = inner(kiosk).socketAcks;
    // (the count sees socket.io's table: an acked send in flight is in it)
    const inFlight = firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'inflight', data: 0 }, { via: 'socket' }));
    expect(inner(kiosk).socketAcks).toBe(acksBefore + 1);
    await inFlight;
    const cycleReady = await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'bad', data: circular }, { via: 'socket' })));
    expect(cycleReady).toMatchObject({ code: 'E_ENCODE', name: 'RexsysEncodingError' });
    expect(cycleReady.message).toMatch(/could not be encoded: Converting circular structure.*Nothing was sent/s);
    // the cause is JSON's failure, not socket.io's stack overflow
    expect(String((cycleReady as Error & { cause?: unknown }).cause)).toMatch(/^TypeError: Converting circular structure/);
    // socket.io registered each failed send's ack before its encoding threw: none is left behind
    for (let i = 0; i < 20; i++) await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'bad', data: BigInt(i) }, { via: 'socket' })));
    expect(inner(kiosk).socketAcks).toBeLessThanOrEqual(acksBefore);
    // nested 5,000 deep: either delivered or E_ENCODE, never a crash, and the client goes on
    let deep: unknown = 'leaf';
    for (let i = 0; i < 5000; i++) deep = { d: deep };
    const outcome = await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'deep', data: deep }, { via: 'socket' })).then(
      () => 'ok',
      (e: RexsysError) => e.code,
    );
    expect(['ok', 'E_ENCODE']).toContain(outcome);
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'good', data: 2 }, { via: 'socket' }));
    await waitFor(() => got.values.filter((m) => m.command === 'good').length === 2);
    expect(got.values.filter((m) => m.command === 'bad')).toEqual([]);
    expect(kiosk.state.status).toBe('ready');
    hold.unsubscribe();
  });

  it('#18: a socket send made while ready is serialised once, by socket.io, as a bare emit is; one queued for later is checked up front; a REST send once', async () => {
    const kiosk = make('KIOSK-KEY');
    let serialised = 0;
    const data = {
      toJSON: () => {
        serialised++;
        return { n: 1 };
      },
    };
    // What socket.io-client does to an emit's arguments: its parser's encode of the EVENT packet.
    new Encoder().encode({ type: PacketType.EVENT, nsp: '/io/demo/client', data: ['request', { data }], id: 1 });
    const bare = serialised;
    expect(bare).toBeGreaterThan(0);
    serialised = 0;
    // queued before the login: checked now (one JSON pass more), so that it fails at once if it must
    const queued = firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'good', data }, { via: 'socket' }));
    expect(serialised).toBe(1);
    await queued;
    const hold = kiosk.state$.subscribe();
    await untilStatus(kiosk, 'ready');
    serialised = 0;
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'good', data }, { via: 'socket' }));
    expect(serialised).toBe(bare);
    // REST carries data as JSON text inside the body: the check's text is the one posted
    serialised = 0;
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'good', data }, { via: 'rest' }));
    expect(serialised).toBe(1);
    hold.unsubscribe();
  });

  it('#18: binary data JSON cannot hold (a BigInt64Array) goes over the socket whether the send is queued or made while ready, as socket.io sends it', async () => {
    const kiosk = make('KIOSK-KEY');
    const queued = firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'blob', data: { b: new BigInt64Array([1n]) } }, { via: 'socket' }));
    const hold = kiosk.state$.subscribe();
    expect(await queued).toMatchObject({ via: 'socket', acked: true });
    await untilStatus(kiosk, 'ready');
    expect(
      await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'blob', data: { b: new BigInt64Array([2n]) } }, { via: 'socket' })),
    ).toMatchObject({
      acked: true,
    });
    // over REST (JSON text) it cannot go
    expect(
      await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'blob', data: { b: new BigInt64Array([3n]) } }, { via: 'rest' }))),
    ).toMatchObject({ code: 'E_ENCODE' });
    hold.unsubscribe();
  });

  it("#11.4: a codec's encode that throws is E_ENCODE for that send only (not E_NETWORK, not retried)", async () => {
    const Broken = new t.Type<number, number, unknown>(
      'Broken',
      (u): u is number => typeof u === 'number',
      (u, c) => (typeof u === 'number' ? t.success(u) : t.failure(u, c)),
      () => {
        throw new Error('encode failed');
      },
    );
    const kiosk = make('KIOSK-KEY', { commands: { broken: Broken } });
    const errors = record(kiosk.errors$);
    const e = await failure(firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'broken', data: 1 }, { via: 'rest' })));
    expect(e).toMatchObject({ code: 'E_ENCODE', name: 'RexsysEncodingError' });
    expect((e as Error & { cause?: unknown }).cause).toBeInstanceOf(Error);
    expect(errors.values.map((x) => x.code)).toEqual(['E_ENCODE']);
    expect(kiosk.metrics().sends.rest).toEqual({ ok: 0, failed: 1 });
    errors.sub.unsubscribe();
  });

  it('#12.2: command names that are Object.prototype members are names like any other', async () => {
    const { got } = await display();
    const kiosk = make('KIOSK-KEY');
    const names = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];
    const seen = names.map((n) => record(kiosk.command$(n)));
    const errors = record(kiosk.errors$);
    await untilStatus(kiosk, 'ready');
    for (const command of names) await server.inject('kiosk-01', { command, data: { x: command } });
    await waitFor(() => seen.every((r) => r.values.length === 1));
    expect(seen.map((r) => r.values[0].command)).toEqual(names);
    for (const command of names) {
      await firstValueFrom(kiosk.send({ receiver: 'display-01', command, data: 1 }, { via: 'socket' }));
      await firstValueFrom(kiosk.send({ receiver: 'display-01', command, data: 2 }, { via: 'rest' }));
    }
    await waitFor(() => got.values.length === names.length * 2);
    expect(errors.values).toEqual([]);
    seen.forEach((r) => r.sub.unsubscribe());
    errors.sub.unsubscribe();
  });

  it('#12.12: a token that arrives due for renewal is certified again at most once, and errors$ says once that the clocks disagree', async () => {
    const skewed = await startEmulatorServer({ tokenTtl: 30 }); // expires in 30 s; renewBefore is 60 s
    try {
      const httpClient = axios.create();
      let certifies = 0;
      httpClient.interceptors.request.use((config) => {
        if (config.url?.endsWith(CERTIFY_PATH)) certifies++;
        return config;
      });
      const kiosk = make('KIOSK-KEY', { http: httpClient }, skewed.url);
      const errors = record(kiosk.errors$);
      for (let i = 0; i < 5; i++) await firstValueFrom(kiosk.send({ receiver: 'kiosk-01', command: 'n', data: i }, { via: 'rest' }));
      const hold = kiosk.state$.subscribe();
      await untilStatus(kiosk, 'ready');
      await skewed.disconnect('kiosk-01');
      await waitFor(() => kiosk.state.status === 'reconnecting');
      await untilStatus(kiosk, 'ready');
      expect(certifies).toBe(1);
      expect(errors.values.filter((e) => e.code === 'E_CLOCK_SKEW')).toHaveLength(1);
      expect(kiosk.metrics().certifies).toBe(1);
      hold.unsubscribe();
      errors.sub.unsubscribe();
    } finally {
      closeAll();
      await skewed.close();
    }
  });

  it('#12.15: a pong emitted from a command$ handler that then calls close() is E_OUTCOME_UNKNOWN, not E_CLOSED', async () => {
    await display();
    const kiosk = make('KIOSK-KEY');
    let pong: Promise<unknown> | undefined;
    const sub = kiosk.command$('ping').subscribe(() => {
      pong = firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'pong', data: 1 }, { via: 'socket' })).then(
        () => 'receipt',
        (e: RexsysError) => e.code,
      );
      kiosk.close();
    });
    await untilStatus(kiosk, 'ready').catch(() => undefined);
    await server.inject('kiosk-01', { command: 'ping', data: 0 });
    await waitFor(() => pong !== undefined);
    // it was handed to socket.io: its outcome is unknown (before the fix: E_CLOSED, "never sent")
    expect(await pong).toBe('E_OUTCOME_UNKNOWN');
    sub.unsubscribe();
  });

  it('#12.16: a blank receiver is refused like an empty one', async () => {
    const kiosk = make('KIOSK-KEY');
    for (const receiver of ['', '   ', '\t\n']) {
      expect(await failure(firstValueFrom(kiosk.send({ receiver, command: 'x', data: 1 }, { via: 'rest' })))).toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    }
    expect((await server.delivered()).filter((d) => d.command === 'x')).toEqual([]);
  });

  it('#17: a decode failure nobody listens for logs one console.warn per command; errors$ or warnUnhandledErrors: false silence it', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const kiosk = make('KIOSK-KEY', { commands: { show: t.type({ url: t.string }) } });
      const shows = record(kiosk.command$('show'));
      await untilStatus(kiosk, 'ready');
      for (let i = 0; i < 3; i++) await server.inject('kiosk-01', { command: 'show', data: { url: i } });
      await server.inject('kiosk-01', 'not a message');
      await server.inject('kiosk-01', 'not a message either');
      await waitFor(() => kiosk.metrics().decodeFailures === 5);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(String(warn.mock.calls[0][0])).toContain('"show" data');
      const listened = record(kiosk.errors$);
      await server.inject('kiosk-01', { command: 'show', data: { url: 9 } });
      await waitFor(() => listened.values.length === 1);
      expect(warn).toHaveBeenCalledTimes(2);
      shows.sub.unsubscribe();
      listened.sub.unsubscribe();

      const quiet = make('DISPLAY-KEY', { warnUnhandledErrors: false, commands: { show: t.type({ url: t.string }) } });
      const q = record(quiet.command$('show'));
      await untilStatus(quiet, 'ready');
      await server.inject('display-01', { command: 'show', data: { url: 1 } });
      await waitFor(() => quiet.metrics().decodeFailures === 1);
      expect(warn).toHaveBeenCalledTimes(2);
      q.sub.unsubscribe();
    } finally {
      warn.mockRestore();
    }
  });

  it('events$ tells the lifecycle and the sends without holding the connection; metrics() counts them', async () => {
    await display();
    const kiosk = make('KIOSK-KEY');
    const events = record(kiosk.events$);
    await delay(100);
    expect(events.values).toEqual([]);
    expect((await server.sessions()).filter((s) => s.uid === 'kiosk-01')).toEqual([]);
    const hold = kiosk.state$.subscribe();
    await untilStatus(kiosk, 'ready');
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'a', data: 1 }, { via: 'socket' }));
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'b', data: 1 }, { via: 'rest' }));
    const types = events.values.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['connecting', 'certified']);
    expect(types).toEqual(expect.arrayContaining(['connected', 'hello', 'loginSent', 'loginOk', 'sendQueued', 'sendEmitted', 'sendAcked']));
    expect(kiosk.metrics()).toMatchObject({
      logins: 1,
      certifies: 1,
      sends: { socket: { ok: 1, failed: 0 }, rest: { ok: 1, failed: 0 } },
      outboxQueued: 0,
      outboxInflight: 0,
    });
    hold.unsubscribe();
    events.sub.unsubscribe();
  });
});

describe('hardening (issue #12) against misbehaving socket.io servers', () => {
  const { make, closeAll } = clientFactory(() => 'http://127.0.0.1:9');
  afterEach(() => closeAll());

  it('#12.4: a server that never lets the socket join the namespace: connectTimeout, then backoff; close() leaves no connection', async () => {
    let joins = 0;
    const server = await bareServer((nsp) =>
      nsp.use(() => {
        joins++; // never calls next(): no namespace CONNECT
      }),
    );
    try {
      // default transports (polling first), as in the report
      const c = make(
        undefined,
        { credentials: { uid: 'kiosk-01', token: 't' }, connectTimeout: 300, backoff: { initialDelay: 200, jitter: 0 }, socket: {} },
        server.url,
      );
      const states = record(c.state$);
      await waitFor(() => c.state.status === 'reconnecting', { timeout: 3000 });
      expect(c.state).toMatchObject({ status: 'reconnecting', attempt: 1, reason: 'connect timeout', lastError: { code: 'E_NETWORK' } });
      await delay(900);
      expect(joins).toBeGreaterThanOrEqual(2);
      expect(joins).toBeLessThanOrEqual(4);
      c.close();
      expect(states.values.map((s) => s.status)).toContain('reconnecting');
      // close() while an attempt is under way lets a process exit on its own
      const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'fixtures/close-exits.ts'), server.url], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 10_000);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect({ code, out }).toMatchObject({ code: 0, out: expect.stringContaining('closing while connecting') });
    } finally {
      await server.close();
    }
  });

  it('#12.5: kicked right after every login, the client backs off instead of logging in again and again', async () => {
    let logins = 0;
    const server = await bareServer((nsp) =>
      nsp.on('connection', (socket) => {
        writeEvent(socket, 'connect', { sid: socket.id });
        greet(socket, (s, { uid, sid }) => {
          logins++;
          s.emit('login', { status: 'success', uid, sid });
          setTimeout(() => s.disconnect(true), 0);
        });
      }),
    );
    try {
      const c = make(undefined, { credentials: { uid: 'kiosk-01', token: 't' }, backoff: { initialDelay: 50, maxDelay: 10_000, jitter: 0 } }, server.url);
      const states = record(c.state$);
      await delay(1500);
      // backoff 50, 100, 200, 400, 800 ms: about 5 logins in 1.5 s (it was one every ~50 ms: 20+)
      expect(logins).toBeGreaterThanOrEqual(3);
      expect(logins).toBeLessThanOrEqual(6);
      const attempts = states.values
        .filter((s): s is Extract<ConnectionState, { status: 'reconnecting' }> => s.status === 'reconnecting')
        .map((s) => s.attempt);
      expect(attempts.slice(0, 3)).toEqual([1, 2, 3]);
      expect(states.values.find((s) => s.status === 'reconnecting')?.reason).toBe('io server disconnect');
      states.sub.unsubscribe();
    } finally {
      closeAll();
      await server.close();
    }
  });

  it('#12.14: a login withdrawn after success ({ status: "fail" } 50 ms later) is a refusal: unauthorized with fixed credentials', async () => {
    const server = await bareServer((nsp) =>
      nsp.on('connection', (socket) => {
        writeEvent(socket, 'connect', { sid: socket.id });
        greet(socket, (s, { uid, sid }) => {
          s.emit('login', { status: 'success', uid, sid });
          setTimeout(() => s.emit('login', { status: 'fail', message: 'session revoked' }), 50);
        });
      }),
    );
    try {
      const c = make(undefined, { credentials: { uid: 'kiosk-01', token: 't' } }, server.url);
      const errors = record(c.errors$);
      const hold = c.state$.subscribe();
      await untilStatus(c, 'ready');
      const s = await untilStatus(c, 'unauthorized', 3000);
      expect(s).toMatchObject({ reason: 'login refused', lastError: { code: 'E_LOGIN_REFUSED', final: true } });
      expect(errors.values.map((e) => e.code)).toEqual(['E_LOGIN_REFUSED']);
      hold.unsubscribe();
      errors.sub.unsubscribe();
    } finally {
      closeAll();
      await server.close();
    }
  });
});
