import * as t from 'io-ts';
import { firstValueFrom, take, toArray } from 'rxjs';
import { internals, type ClientInternals } from '../../lib/client/create-client';
import { certify } from '../../lib/auth/certify';
import type { RexsysClient, RexsysClientOptions } from '../../lib/index';
import { RexsysAuthError, RexsysDecodeError, RexsysError } from '../../lib/errors';
import { PEERS, type TestServer } from '../support/servers';
import { startTcpProxy } from '../support/tcp-proxy';
import { delay, waitFor } from '../support/wait';
import { clientFactory, record, untilStatus } from '../support/client-helpers';

const inner = (c: RexsysClient): ClientInternals => (c as unknown as { [internals]: ClientInternals })[internals];

describe.each(PEERS)('the client against the %s', (_name, start) => {
  let server: TestServer;
  const factory = clientFactory(() => server.url);
  const make = (o: Partial<RexsysClientOptions> = {}, url?: string) => factory.make('KIOSK-KEY', o, url);
  const loggedIn = async () => (await server.sessions()).filter((s) => s.loggedIn);

  beforeAll(async () => {
    server = await start();
  });
  afterEach(async () => {
    factory.closeAll();
    await waitFor(async () => (await server.sessions()).length === 0, { message: 'server still has sockets after close()' });
  });
  afterAll(() => server.close());

  it('opens nothing until subscribed, shares one socket, closes after the grace period and reopens', async () => {
    const c = make({ gracePeriod: 400 });
    await delay(150);
    expect(await server.sessions()).toHaveLength(0);
    expect(c.state.status).toBe('idle');

    const subs = [c.state$.subscribe(), c.messages$.subscribe(), c.command$('a').subscribe(), c.command$('b').subscribe()];
    const ready = await untilStatus(c, 'ready');
    expect(ready.uid).toBe('kiosk-01');
    const sessions = await loggedIn();
    expect(sessions).toHaveLength(1);
    expect(sessions[0].sid).toBe(ready.sid);
    expect(inner(c).holders).toBe(4);

    subs.forEach((s) => s.unsubscribe());
    expect(inner(c).holders).toBe(0);
    await delay(100);
    expect(await server.sessions()).toHaveLength(1); // still within the grace period
    await waitFor(async () => (await server.sessions()).length === 0);
    expect(c.state.status).toBe('idle');
    expect(inner(c).socketListeners).toBe(0);
    expect(inner(c).dispatcherListeners).toBe(0);

    const again = c.messages$.subscribe();
    const second = await untilStatus(c, 'ready');
    expect(second.sid).not.toBe(ready.sid);
    again.unsubscribe();
  });

  it('goes connecting → authenticating → ready, with no repeated states', async () => {
    const c = make();
    const states = record(c.state$);
    await untilStatus(c, 'ready');
    expect(states.values.map((s) => s.status)).toEqual(['connecting', 'authenticating', 'ready']);
    expect(states.values[2]).toMatchObject({ uid: 'kiosk-01', attempt: 0 });
    expect(typeof states.values[2].sid).toBe('string');
    states.sub.unsubscribe();
  });

  it('emits touid messages with JSON-string data parsed, and routes bad payloads to errors$', async () => {
    const c = make();
    const errors = record(c.errors$);
    const messages = record(c.messages$);
    await untilStatus(c, 'ready');
    await server.inject('kiosk-01', { command: 'show', data: '{"url":"/a","제목":"안녕 🌏"}', sender: 'display-01' });
    await server.inject('kiosk-01', { data: { no: 'command' } });
    await server.inject('kiosk-01', 'not even an object');
    await server.inject('kiosk-01', { command: 'plain', data: 'not json' });
    await waitFor(() => messages.values.length === 2 && errors.values.length === 2);
    expect(messages.values[0]).toEqual({ command: 'show', data: { url: '/a', 제목: '안녕 🌏' }, sender: 'display-01' });
    expect(messages.values[1]).toEqual({ command: 'plain', data: 'not json' });
    const [e1, e2] = errors.values as RexsysDecodeError[];
    expect(e1).toBeInstanceOf(RexsysDecodeError);
    expect(e1.raw).toEqual({ data: { no: 'command' } });
    expect(e1.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'command', actual: undefined })]));
    expect(e2.raw).toBe('not even an object');
    expect(messages.errors).toEqual([]);
    expect(messages.completed).toBe(false);
    messages.sub.unsubscribe();
    errors.sub.unsubscribe();
  });

  it('command$ dispatches by name and decodes data with a codec (typed), failures to errors$', async () => {
    const Show = t.type({ url: t.string, seconds: t.number });
    const c = make({ commands: { show: Show } });
    const errors = record(c.errors$);
    const shows = record(c.command$('show'));
    const raw = record(c.command$('other'));
    await untilStatus(c, 'ready');
    await server.inject('kiosk-01', { command: 'show', data: { url: '/x', seconds: 'ten' } });
    await server.inject('kiosk-01', { command: 'other', data: [1, 2] });
    await server.inject('kiosk-01', { command: 'show', data: { url: '/y', seconds: 10 } });
    await waitFor(() => shows.values.length === 1 && raw.values.length === 1 && errors.values.length === 1);
    const seconds: number = shows.values[0].data.seconds;
    expect(seconds).toBe(10);
    expect(raw.values[0].data).toEqual([1, 2]);
    expect(errors.values[0]).toMatchObject({ code: 'E_DECODE', source: '"show" data' });
    expect((errors.values[0] as RexsysDecodeError).issues).toEqual([expect.objectContaining({ path: 'seconds', expected: 'number', actual: 'ten' })]);
    [errors, shows, raw].forEach((r) => r.sub.unsubscribe());
  });

  it('logs in again after a server-side disconnect', async () => {
    const c = make();
    const states = record(c.state$);
    const first = await untilStatus(c, 'ready');
    expect(await server.disconnect('kiosk-01')).toBe(1);
    await waitFor(() => states.values.filter((s) => s.status === 'ready').length === 2, { timeout: 8000 });
    const statuses = states.values.map((s) => s.status);
    expect(statuses.slice(3)).toEqual(['reconnecting', 'authenticating', 'ready']);
    expect(states.values[3]).toMatchObject({
      status: 'reconnecting',
      reason: 'io server disconnect',
      lastError: { code: 'E_NETWORK', reason: 'io server disconnect' },
    });
    expect(c.state.sid).not.toBe(first.sid);
    states.sub.unsubscribe();
  });

  it('logs in again after the network drops (TCP proxy cut)', async () => {
    const proxy = await startTcpProxy(server.port);
    try {
      const c = make({}, proxy.url);
      const states = record(c.state$);
      await untilStatus(c, 'ready');
      proxy.setBlocked(true);
      proxy.cut();
      await waitFor(() => c.state.status === 'reconnecting');
      await delay(300); // a few refused attempts, with backoff (not a hot loop)
      const attempts = states.values.filter((s) => s.status === 'reconnecting').length;
      expect(attempts).toBeGreaterThanOrEqual(1);
      expect(attempts).toBeLessThan(8);
      proxy.setBlocked(false);
      await waitFor(() => c.state.status === 'ready', { timeout: 8000 });
      expect(await loggedIn()).toHaveLength(1);
      states.sub.unsubscribe();
    } finally {
      factory.closeAll();
      await proxy.close();
    }
  });

  it('refused fixed credentials end in unauthorized with no further attempts', async () => {
    const c = make({ productkey: undefined, credentials: { uid: 'kiosk-01', token: 'not-a-token' } });
    const errors = record(c.errors$);
    const states = record(c.state$);
    const s = await untilStatus(c, 'unauthorized');
    expect(s.lastError).toBeInstanceOf(RexsysAuthError);
    expect(s.lastError?.code).toBe('E_LOGIN_REFUSED');
    expect((s.lastError as RexsysAuthError).final).toBe(true);
    expect(s.lastError?.message).not.toContain('not-a-token');
    const seen = states.values.length;
    await delay(500);
    expect(states.values.length).toBe(seen);
    expect(errors.values).toHaveLength(1);
    expect(await server.sessions()).toHaveLength(0);
    [errors, states].forEach((r) => r.sub.unsubscribe());
  });

  it('a refused productkey is unauthorized at once', async () => {
    const c = make({ productkey: 'NO-SUCH-KEY' });
    const errors = record(c.errors$);
    const s = await untilStatus(c, 'unauthorized');
    expect(s.lastError?.code).toBe('E_CERTIFY_REFUSED');
    expect(s.lastError?.message).not.toContain('NO-SUCH-KEY');
    await delay(300);
    expect(errors.values).toHaveLength(1);
    errors.sub.unsubscribe();
  });

  it('with a productkey, a refused token is certified again once and the client logs in', async () => {
    const c = make();
    const errors = record(c.errors$);
    const states = record(c.state$);
    await untilStatus(c, 'ready');
    await server.revokeTokens();
    await server.disconnect('kiosk-01');
    await waitFor(() => states.values.filter((s) => s.status === 'ready').length === 2, { timeout: 8000 });
    const codes = errors.values.map((e) => e.code);
    expect(codes).toEqual(['E_NETWORK', 'E_LOGIN_REFUSED']);
    expect((errors.values[1] as RexsysAuthError).final).toBe(false);
    [errors, states].forEach((r) => r.sub.unsubscribe());
  });

  it('reconnect() leaves unauthorized with new credentials', async () => {
    const c = make({ productkey: undefined, credentials: { uid: 'kiosk-01', token: 'stale' } });
    const sub = c.state$.subscribe();
    await untilStatus(c, 'unauthorized');
    const fresh = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: 'KIOSK-KEY' }));
    c.reconnect(fresh);
    await untilStatus(c, 'ready');
    sub.unsubscribe();
  });

  it('close() emits closed, completes every stream and leaves nothing behind', async () => {
    const c = make();
    const states = record(c.state$);
    const messages = record(c.messages$);
    const errors = record(c.errors$);
    await untilStatus(c, 'ready');
    c.close();
    expect(states.values[states.values.length - 1].status).toBe('closed');
    expect([states.completed, messages.completed, errors.completed]).toEqual([true, true, true]);
    expect(inner(c)).toEqual({ holders: 0, socketListeners: 0, socketAcks: 0, dispatcherListeners: 0, outboxQueued: 0, outboxInflight: 0 });
    await waitFor(async () => (await server.sessions()).length === 0);
    const after = await firstValueFrom(c.state$.pipe(take(5), toArray()));
    expect(after.map((s) => s.status)).toEqual(['closed']);
    let failed: unknown;
    await firstValueFrom(c.send({ receiver: 'x', command: 'y', data: 1 })).catch((e) => (failed = e));
    expect(failed).toBeInstanceOf(RexsysError);
    expect((failed as RexsysError).code).toBe('E_CLOSED');
  });
});

describe.each(PEERS)('hello order against the %s', (_name, start) => {
  it.each(['before', 'after'] as const)('logs in when the hello comes %s the namespace CONNECT', async (helloOrder) => {
    const server = await start({ helloOrder });
    const c = clientFactory(() => server.url).make('DISPLAY-KEY', { gracePeriod: 0, helloTimeout: 5000, socket: {} });
    const hold = c.state$.subscribe();
    try {
      const started = Date.now();
      const s = await untilStatus(c, 'ready');
      expect(Date.now() - started).toBeLessThan(4000); // the hello was used, not the fallback wait
      const sessions = await server.sessions();
      expect(sessions.find((x) => x.loggedIn)?.sid).toBe(s.sid);
    } finally {
      hold.unsubscribe();
      c.close();
      await server.close();
    }
  });
});
