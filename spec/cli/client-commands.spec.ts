/**
 * certify, send and listen against a real emulator on 127.0.0.1 (port 0), run
 * in-process through `main` with real sockets.
 */
import { filter, firstValueFrom } from 'rxjs';
import { createRexsysClient } from '../../lib/client/create-client';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import type { RexsysClient } from '../../lib/index';
import { TOKEN_LIKE, expectOneLineError, runCli, startCli, type CliRun } from './helpers';
import { waitFor } from '../support/wait';

let emulator: RexsysEmulator;
const clients: RexsysClient[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterEach(() => {
  clients.splice(0).forEach((c) => c.close());
});
afterAll(async () => {
  await emulator.close();
});

const as = (productkey: string) => ['--url', emulator.url, '--project', 'demo', '--productkey', productkey];

/** A library client logged in and listening (so messages to it are delivered, not dropped). */
async function online(productkey: string): Promise<RexsysClient> {
  const client = createRexsysClient({ url: emulator.url, project: 'demo', productkey, gracePeriod: 0 });
  clients.push(client);
  client.messages$.subscribe();
  await firstValueFrom(client.state$.pipe(filter((s) => s.status === 'ready')));
  return client;
}

const loggedIn = (uid: string) => emulator.sessions().some((s) => s.uid === uid && s.loggedIn);

/** {@link waitFor} with this suite's argument order. */
const until = (check: () => boolean, what: string, ms = 8000): Promise<void> => waitFor(check, { timeout: ms, message: what });

function expectNoToken(run: CliRun): void {
  expect(run.stdout).not.toMatch(TOKEN_LIKE);
  expect(run.stderr).not.toMatch(TOKEN_LIKE);
  expect(run.stdout).not.toMatch(/"token"/);
}

describe('rexsys-rx certify', () => {
  it('prints uid, project, namespaces and expiry as one JSON line, without the token', async () => {
    const run = await runCli(['certify', ...as('KIOSK-KEY')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.out).toHaveLength(1);
    const printed = JSON.parse(run.out[0]) as Record<string, unknown>;
    expect(printed).toEqual({
      uid: 'kiosk-01',
      project: 'demo',
      namespaces: { client: '/io/demo/client', user: '/io/demo/user' },
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Date.parse(printed.expiresAt as string)).toBeGreaterThan(Date.now());
    expectNoToken(run);
  });

  it('takes --url, --project and --productkey from REXSYS_* variables', async () => {
    const run = await runCli(['certify'], { REXSYS_URL: emulator.url, REXSYS_PROJECT: 'demo', REXSYS_PRODUCTKEY: 'DISPLAY-KEY' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out[0])).toMatchObject({ uid: 'display-01' });
  });

  it('options win over the environment', async () => {
    const run = await runCli(['certify', '--productkey', 'KIOSK-KEY'], { REXSYS_URL: emulator.url, REXSYS_PROJECT: 'demo', REXSYS_PRODUCTKEY: 'DISPLAY-KEY' });
    expect(JSON.parse(run.out[0])).toMatchObject({ uid: 'kiosk-01' });
  });

  it('a refused productkey is exit 1 with one line, and the key is not echoed', async () => {
    const run = await runCli(['certify', ...as('WRONG-KEY-123')]);
    expectOneLineError(run, 1, /refused the productkey for project "demo"/);
    expect(run.stderr).not.toContain('WRONG-KEY-123');
  });

  it('an unknown project is exit 1', async () => {
    const run = await runCli(['certify', '--url', emulator.url, '--project', 'nope', '--productkey', 'KIOSK-KEY']);
    expectOneLineError(run, 1, /refused/);
  });

  it('a server that is not there is exit 1 with one line', async () => {
    const run = await runCli(['certify', '--url', 'http://127.0.0.1:9', '--project', 'demo', '--productkey', 'KIOSK-KEY']);
    expectOneLineError(run, 1, /^rexsys-rx: could not certify at http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/);
  });
});

describe('rexsys-rx send', () => {
  it('--via socket logs in, waits for ready, sends; the emulator delivered it', async () => {
    await online('DISPLAY-KEY');
    const before = emulator.delivered().length;
    const run = await runCli([
      'send',
      ...as('KIOSK-KEY'),
      '--to',
      'display-01',
      '--command',
      'show',
      '--data',
      '{"url":"/a","제목":"안녕"}',
      '--via',
      'socket',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.out).toHaveLength(1);
    expect(JSON.parse(run.out[0])).toEqual({ via: 'socket', receiver: 'display-01', command: 'show', at: expect.any(Number), acked: true });
    expect(emulator.delivered().slice(before)).toEqual([
      expect.objectContaining({ via: 'socket', sender: 'kiosk-01', receiver: 'display-01', command: 'show', data: { url: '/a', 제목: '안녕' } }),
    ]);
    expectNoToken(run);
  });

  it('--via rest posts; the emulator delivered it (data as the JSON string REST carries)', async () => {
    await online('DISPLAY-KEY');
    const before = emulator.delivered().length;
    const run = await runCli(['send', ...as('KIOSK-KEY'), '--to', 'display-01', '--command', 'show', '--data', '[1,"two",null]', '--via', 'rest']);
    expect(run.code).toBe(0);
    const receipt = JSON.parse(run.out[0]) as Record<string, unknown>;
    expect(receipt).toMatchObject({ via: 'rest', receiver: 'display-01', command: 'show', result: { delivered: 1 } });
    const [delivered] = emulator.delivered().slice(before);
    expect(delivered).toMatchObject({ via: 'rest', sender: 'kiosk-01', receiver: 'display-01', command: 'show' });
    expect(JSON.parse(delivered.data as string)).toEqual([1, 'two', null]);
    expectNoToken(run);
  });

  it('the receiving client gets what send sent', async () => {
    const display = await online('DISPLAY-KEY');
    const got = firstValueFrom(display.command$('ping'));
    const run = await runCli(['send', ...as('KIOSK-KEY'), '--to', 'display-01', '--command', 'ping', '--via', 'rest']);
    expect(run.code).toBe(0);
    expect(await got).toMatchObject({ command: 'ping', data: {}, sender: 'kiosk-01' });
  });

  it('--via auto (the default) uses REST from a one-shot command: no socket is logged in yet', async () => {
    await online('DISPLAY-KEY');
    const run = await runCli(['send', ...as('KIOSK-KEY'), '--to', 'display-01', '--command', 'show']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out[0])).toMatchObject({ via: 'rest' });
  });

  it('a receipt is not a delivery: a send to an offline client succeeds and the server drops it', async () => {
    const before = emulator.dropped().length;
    const run = await runCli(['send', ...as('KIOSK-KEY'), '--to', 'nobody-01', '--command', 'show', '--via', 'socket']);
    expect(run.code).toBe(0);
    expect(emulator.dropped().slice(before)).toEqual([expect.objectContaining({ reason: 'receiver offline', receiver: 'nobody-01' })]);
  });

  it.each(['socket', 'rest'])('--via %s with a refused productkey is exit 1 at once, one line', async (via) => {
    const started = Date.now();
    const run = await runCli(['send', ...as('WRONG-KEY'), '--to', 'display-01', '--command', 'show', '--via', via]);
    expectOneLineError(run, 1, /refused the productkey/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('--via socket to a server that is not there gives up after --retries, exit 1', async () => {
    const run = await runCli([
      'send',
      '--url',
      'http://127.0.0.1:9',
      '--project',
      'demo',
      '--productkey',
      'KIOSK-KEY',
      '--to',
      'display-01',
      '--command',
      'show',
      '--via',
      'socket',
      '--retries',
      '0',
    ]);
    expectOneLineError(run, 1, /gave up connecting: .*ECONNREFUSED/);
  });

  it('--via rest to a server that is not there is exit 1', async () => {
    const run = await runCli([
      'send',
      '--url',
      'http://127.0.0.1:9',
      '--project',
      'demo',
      '--productkey',
      'KIOSK-KEY',
      '--to',
      'display-01',
      '--command',
      'show',
      '--via',
      'rest',
      '--retries',
      '0',
    ]);
    expectOneLineError(run, 1, /^rexsys-rx: send of "show" to "display-01" failed: .*ECONNREFUSED/);
  });

  it('a REST send the server fails (HTTP 500) is exit 1, after the retries', async () => {
    emulator.failNext('/api/ide/io/send', { status: 500, times: 2 });
    const run = await runCli(['send', ...as('KIOSK-KEY'), '--to', 'display-01', '--command', 'show', '--via', 'rest', '--retries', '1']);
    expectOneLineError(run, 1, /HTTP 500/);
  });
});

describe('rexsys-rx listen', () => {
  it('--count 1 prints the message another client sends as one JSON line, states on stderr', async () => {
    const listen = startCli(['listen', ...as('DISPLAY-KEY'), '--count', '1']);
    await until(() => loggedIn('display-01'), 'listen to log in');
    const kiosk = await online('KIOSK-KEY');
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'show', data: { url: '/a', n: 1 } }, { via: 'socket' }));
    const run = await listen.done;
    expect(run.code).toBe(0);
    expect(run.out).toHaveLength(1);
    expect(JSON.parse(run.out[0])).toEqual({ command: 'show', data: { url: '/a', n: 1 }, sender: 'kiosk-01', receiver: 'display-01', channel: 'client' });
    expect(run.err).toEqual(['state: connecting', 'state: authenticating as display-01', expect.stringMatching(/^state: ready as display-01 \(sid \S+\)$/)]);
    expectNoToken(run);
    await until(() => !loggedIn('display-01'), 'listen to close its socket');
  });

  it('--command filters, REST-sent data is parsed, and the output is JSON lines', async () => {
    const listen = startCli(['listen', ...as('DISPLAY-KEY'), '--command', 'show', '--count', '2']);
    await until(() => loggedIn('display-01'), 'listen to log in');
    const kiosk = await online('KIOSK-KEY');
    const send = (command: string, data: unknown, via: 'socket' | 'rest') => firstValueFrom(kiosk.send({ receiver: 'display-01', command, data }, { via }));
    await send('noise', { n: 0 }, 'socket');
    await send('show', { n: 1 }, 'socket');
    await send('noise', { n: 2 }, 'rest');
    await send('show', { n: 3, text: '한글' }, 'rest');
    const run = await listen.done;
    expect(run.code).toBe(0);
    expect(run.out.map((l) => JSON.parse(l) as { command: string; data: unknown })).toEqual([
      expect.objectContaining({ command: 'show', data: { n: 1 } }),
      expect.objectContaining({ command: 'show', data: { n: 3, text: '한글' } }),
    ]);
    await until(() => !loggedIn('display-01'), 'listen to close its socket');
  });

  it('runs until interrupted (Ctrl-C), then exits 0 and closes its socket', async () => {
    const listen = startCli(['listen', ...as('DISPLAY-KEY')]);
    // Its own word, not the server's: the server may still list the previous test's display-01 for a moment.
    await until(() => /^state: ready/m.test(listen.stderr()), 'listen to be ready');
    await new Promise((r) => setTimeout(r, 100));
    expect(listen.stdout()).toBe('');
    listen.interrupt();
    const run = await listen.done;
    expect(run.code).toBe(0);
    expect(run.err.at(-1)).toMatch(/^state: ready/);
    await until(() => !loggedIn('display-01'), 'listen to close its socket');
  });

  it('shows a network drop and the automatic re-login on stderr', async () => {
    const listen = startCli(['listen', ...as('DISPLAY-KEY'), '--count', '1']);
    await until(() => loggedIn('display-01'), 'listen to log in');
    // A server-side disconnect: socket.io-client would not retry this on its own; the client does.
    expect(emulator.disconnect('display-01')).toBe(1);
    await until(() => /state: reconnecting \(retry 1\)/.test(listen.stderr()), 'the reconnecting state');
    await until(() => loggedIn('display-01'), 'the re-login', 10_000);
    const kiosk = await online('KIOSK-KEY');
    await firstValueFrom(kiosk.send({ receiver: 'display-01', command: 'after', data: 1 }, { via: 'socket' }));
    const run = await listen.done;
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out[0])).toMatchObject({ command: 'after', data: 1 });
    const states = run.err.map((l) => /^state: (\w+)/.exec(l)?.[1] ?? l);
    expect(states).toEqual(['connecting', 'authenticating', 'ready', 'reconnecting', 'authenticating', 'ready']);
  });

  it('a refused productkey is exit 1: the unauthorized state, then one error line', async () => {
    const run = await runCli(['listen', ...as('WRONG-KEY')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.err[0]).toBe('state: connecting');
    expect(run.err[1]).toMatch(/^state: unauthorized: /);
    expect(run.err[2]).toMatch(/^rexsys-rx: credentials refused: .*refused the productkey/);
    expect(run.err).toHaveLength(3);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--retries 0 against a server that is not there gives up: exit 1', async () => {
    const run = await runCli(['listen', '--url', 'http://127.0.0.1:9', '--project', 'demo', '--productkey', 'KIOSK-KEY', '--retries', '0']);
    expect(run.code).toBe(1);
    expect(run.err.at(-1)).toMatch(/^rexsys-rx: gave up connecting: .*ECONNREFUSED/);
  });
});
