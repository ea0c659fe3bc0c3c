/**
 * A server that echoes secrets, redirects elsewhere and sends data no encoder would
 * produce (spec/support/hostile-server.ts, real http + socket.io on 127.0.0.1), against
 * the library and the CLI (#12 items 2, 3, 6–10). Each failure path is captured whole:
 * messages, stacks, `JSON.stringify` and `util.inspect` of the errors (reply, body,
 * cause), `errors$`, `state.lastError`, the CLI's stdout and stderr; none may hold the
 * token, the productkey, or the EncodeData that carried them.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { certify } from '../../lib/auth/certify';
import { createRexsysClient } from '../../lib/client/create-client';
import { RexsysAuthError, RexsysTransportError, type RexsysError } from '../../lib/errors';
import type { RexsysClient } from '../../lib/index';
import { CERTIFY_PATH, SEND_PATH } from '../../lib/protocol/paths';
import { runCli, startCli } from '../cli/helpers';
import { certificateAnswer, envelope, startHostileServer, type HostileServer } from '../support/hostile-server';

const TOKEN = `tok${randomBytes(16).toString('hex')}`;
const PRODUCTKEY = `PK-${randomBytes(6).toString('hex')}`;

let server: HostileServer;
let elsewhere: HostileServer;
const clients: RexsysClient[] = [];
const subs: Subscription[] = [];

beforeEach(async () => {
  server = await startHostileServer();
  elsewhere = await startHostileServer();
  server.on(CERTIFY_PATH, () => ({ body: certificateAnswer('kiosk-01', TOKEN) }));
  server.on(SEND_PATH, () => ({ body: envelope('success', { delivered: 1 }) }));
});
afterEach(async () => {
  subs.splice(0).forEach((s) => s.unsubscribe());
  clients.splice(0).forEach((c) => c.close());
  await server.close();
  await elsewhere.close();
});

/** Everything an error shows, whichever way it is looked at. */
const showAll = (e: unknown): string => {
  if (!(e instanceof Error)) return inspect(e, { depth: Infinity });
  return [e.message, e.stack, JSON.stringify(e), inspect(e, { depth: Infinity }), inspect((e as { reply?: unknown }).reply, { depth: Infinity })].join('\n');
};

/** The EncodeData strings the client posted (each decodes to a secret). */
const postedEncodeData = (s: HostileServer): string[] =>
  s.requests.map((r) =>
    r.raw.startsWith('{') ? (JSON.parse(r.raw) as { EncodeData: string }).EncodeData : (new URLSearchParams(r.raw).get('EncodeData') ?? ''),
  );

function expectClean(text: string, extra: readonly string[] = []): void {
  for (const secret of [TOKEN, PRODUCTKEY, ...extra]) {
    expect(text).not.toContain(secret);
    expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
  }
}

function client(options: Partial<Parameters<typeof createRexsysClient>[0]> = {}): { c: RexsysClient; errors: RexsysError[] } {
  const c = createRexsysClient({
    url: server.url,
    project: 'demo',
    productkey: PRODUCTKEY,
    gracePeriod: 0,
    restRetries: 0,
    backoff: { maxRetries: 0 },
    ...options,
  });
  clients.push(c);
  const errors: RexsysError[] = [];
  subs.push(c.errors$.subscribe((e) => errors.push(e)));
  return { c, errors };
}

const sendRest = (c: RexsysClient) =>
  firstValueFrom(c.send({ receiver: 'display-01', command: 'show', data: { url: '/a' } }, { via: 'rest' })).then(
    () => {
      throw new Error('expected the send to fail');
    },
    (e: unknown) => e,
  );

const cliAs = (productkey = PRODUCTKEY) => ['--url', server.url, '--project', 'demo', '--productkey', productkey];

describe('#12 item 7: a REST 403 that echoes the token', () => {
  beforeEach(() => {
    server.on(SEND_PATH, (r) => ({ status: 403, body: envelope('fail', { token: TOKEN, echo: r.payload }, `token ${TOKEN} rejected`) }));
  });

  it('library: message, body, cause, errors$ hold no token', async () => {
    const { c, errors } = client({ restRetries: 0 });
    const e = await sendRest(c);
    expect(e).toBeInstanceOf(RexsysTransportError);
    expect(e).toMatchObject({ code: 'E_HTTP', status: 403 });
    expect((e as Error).message).toContain('[redacted] rejected');
    expectClean(showAll(e), postedEncodeData(server));
    expect(errors.length).toBeGreaterThan(0);
    expectClean(errors.map(showAll).join('\n'), postedEncodeData(server));
  });

  it('library, fixed credentials given as { uid, token }: the same', async () => {
    const { c } = client({ productkey: undefined, credentials: { uid: 'kiosk-01', token: TOKEN } });
    const e = await sendRest(c);
    expect(e).toMatchObject({ code: 'E_HTTP', status: 403 });
    expectClean(showAll(e), postedEncodeData(server));
  });

  it('a debug logger: the send-failed line holds no token nor EncodeData', async () => {
    const lines: string[] = [];
    const { c } = client({ restRetries: 0, logger: { level: 'debug', sink: (e) => lines.push(e.message) } });
    await sendRest(c);
    expect(lines.some((l) => l.startsWith('send failed (rest, E_HTTP)'))).toBe(true);
    expectClean(lines.join('\n'), postedEncodeData(server));
  });

  it('CLI send --via rest: stdout and stderr hold no token', async () => {
    const run = await runCli(['send', ...cliAs(), '--to', 'display-01', '--command', 'show', '--via', 'rest', '--retries', '0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/HTTP 403/);
    expectClean(run.stdout + run.stderr, postedEncodeData(server));
  });
});

describe('#12 item 9: an HTML 500 page that echoes the request (EncodeData)', () => {
  beforeEach(() => {
    server.on(SEND_PATH, (r) => ({
      status: 500,
      body: `<html><body><h1>500</h1><pre>${r.raw}</pre><p>EncodeData=${encodeURIComponent(postedEncodeData(server).at(-1) ?? '')}</p></body></html>`,
    }));
  });

  it('error.body and message keep the page but not the EncodeData', async () => {
    const { c } = client();
    const e = await sendRest(c);
    expect(e).toMatchObject({ code: 'E_HTTP', status: 500 });
    const body = (e as RexsysTransportError).body as string;
    expect(body).toContain('<h1>500</h1>');
    expect(body).toContain('[redacted]');
    expectClean(showAll(e), postedEncodeData(server));
  });
});

describe('#12 items 8 and 9: a certificate refusal that echoes the productkey, 13 levels deep and in the message', () => {
  beforeEach(() => {
    server.on(CERTIFY_PATH, (r) => {
      let deep: unknown = { productkey: PRODUCTKEY, token: TOKEN, said: `unknown key ${PRODUCTKEY}`, request: r.payload };
      for (let i = 0; i < 13; i++) deep = { [`level${i}`]: deep };
      return { body: envelope('fail', { productkey: PRODUCTKEY, deep }, `unknown productkey ${PRODUCTKEY}`) };
    });
  });

  it('certify(): E_CERTIFY_REFUSED, message and reply without the key', async () => {
    const e = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: PRODUCTKEY })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RexsysAuthError);
    expect(e).toMatchObject({ code: 'E_CERTIFY_REFUSED', final: true });
    expect((e as Error).message).toContain('unknown productkey [redacted]');
    expect(JSON.stringify((e as RexsysAuthError).reply)).toContain('level12');
    expectClean(showAll(e), postedEncodeData(server));
  });

  it('a client: errors$ and state.lastError without the key', async () => {
    const { c, errors } = client();
    const unauthorized = await firstValueFrom(c.state$.pipe(filter((s) => s.status === 'unauthorized')));
    expectClean(showAll(unauthorized.lastError), postedEncodeData(server));
    expectClean(errors.map(showAll).join('\n'), postedEncodeData(server));
  });

  it('CLI certify and listen: no key on stdout or stderr', async () => {
    for (const argv of [
      ['certify', ...cliAs()],
      ['listen', ...cliAs()],
    ]) {
      const run = await runCli(argv);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/refused the productkey/);
      expectClean(run.stdout + run.stderr, postedEncodeData(server));
    }
  });
});

describe('#12 item 6: a login refusal that echoes the token', () => {
  beforeEach(() => {
    server.onLogin((p) => ({ status: 'fail', message: `invalid token ${(p as { token: string }).token} for kiosk-01`, echo: { deep: { token: TOKEN } } }));
  });

  it('errors$, state.lastError and its reply hold no token', async () => {
    const { c, errors } = client({ productkey: undefined, credentials: { uid: 'kiosk-01', token: TOKEN } });
    const state = await firstValueFrom(c.state$.pipe(filter((s) => s.status === 'unauthorized')));
    expect(state.lastError).toMatchObject({ code: 'E_LOGIN_REFUSED' });
    expect(state.lastError?.message).toContain('invalid token [redacted] for kiosk-01');
    expectClean(showAll(state.lastError));
    expectClean(errors.map(showAll).join('\n'));
  });

  it('CLI listen: the unauthorized state line and the error line hold no token', async () => {
    const run = await runCli(['listen', ...cliAs()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/state: unauthorized: .*invalid token \[redacted\]/);
    expectClean(run.stdout + run.stderr);
  });

  it('a debug logger: every line it made holds no token', async () => {
    const lines: string[] = [];
    const { c } = client({
      productkey: undefined,
      credentials: { uid: 'kiosk-01', token: TOKEN },
      logger: { level: 'debug', sink: (e) => lines.push(e.message) },
    });
    await firstValueFrom(c.state$.pipe(filter((s) => s.status === 'unauthorized')));
    expect(lines.some((l) => l.includes('login refused') && l.includes('invalid token [redacted]'))).toBe(true);
    expectClean(lines.join('\n'));
  });

  it('CLI listen --verbose: the event lines hold no token', async () => {
    const run = await runCli(['listen', ...cliAs(), '--verbose']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rexsys-rx (info|debug): login sent for "kiosk-01"/);
    expect(run.stderr).toMatch(/rexsys-rx error: login refused/);
    expectClean(run.stdout + run.stderr);
  });

  it('CLI send --via socket: no token', async () => {
    const run = await runCli(['send', ...cliAs(), '--to', 'display-01', '--command', 'show', '--via', 'socket', '--retries', '0']);
    expect(run.code).toBe(1);
    expectClean(run.stdout + run.stderr);
  });
});

describe('#12 item 10: a 307 to another origin is never followed with credentials', () => {
  beforeEach(() => {
    for (const path of [CERTIFY_PATH, SEND_PATH]) {
      server.on(path, () => ({ status: 307, headers: { Location: `${elsewhere.url}${path}` }, body: envelope('fail', undefined, 'moved') }));
      elsewhere.on(path, () => ({ body: path === CERTIFY_PATH ? certificateAnswer('kiosk-01', TOKEN) : envelope('success', { delivered: 1 }) }));
    }
  });

  it('certify: a typed E_HTTP naming where it pointed; the other origin got nothing', async () => {
    const e = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: PRODUCTKEY })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RexsysTransportError);
    expect(e).toMatchObject({ code: 'E_HTTP', status: 307 });
    expect((e as Error).message).toContain(`another origin (${elsewhere.url})`);
    expect(elsewhere.requests).toEqual([]);
    expectClean(showAll(e));
  });

  it('REST send with fixed credentials: the same, and the token is not re-posted', async () => {
    const { c } = client({ productkey: undefined, credentials: { uid: 'kiosk-01', token: TOKEN } });
    const e = await sendRest(c);
    expect(e).toMatchObject({ code: 'E_HTTP', status: 307 });
    expect(elsewhere.requests).toEqual([]);
  });

  it('a same-origin redirect is still followed (bounded)', async () => {
    server.on(CERTIFY_PATH, () => ({ status: 308, headers: { Location: '/moved' } }));
    server.on('/moved', () => ({ body: certificateAnswer('kiosk-01', TOKEN) }));
    const credentials = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: PRODUCTKEY }));
    expect(credentials.uid).toBe('kiosk-01');
    server.on('/moved', () => ({ status: 307, headers: { Location: CERTIFY_PATH } })); // a loop
    const e = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: PRODUCTKEY })).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'E_HTTP' });
    expect((e as Error).message).toMatch(/more than 3 redirects/);
  });
});

describe('#12 items 9 and 11: certificate answers of other shapes', () => {
  it('expire.timestamp as a numeric string: credentials with that expiry, and a client gets ready (no E_DECODE loop)', async () => {
    server.on(CERTIFY_PATH, () => ({
      body: envelope('success', { clientid: 'kiosk-01', token: TOKEN, expire: { datetime: '2030-12-31 23:59:59', timestamp: '1924959599' } }),
    }));
    const credentials = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: PRODUCTKEY }));
    expect(credentials.expiresAt).toBe(1924959599000);
    const { c, errors } = client({ backoff: { maxRetries: 3 } });
    await firstValueFrom(c.state$.pipe(filter((st) => st.status === 'ready')));
    expect(server.requests.filter((r) => r.path === CERTIFY_PATH)).toHaveLength(2); // ours above, then the client's one
    expect(errors).toEqual([]);
  });

  it('an answer of the wrong shape is E_DECODE whose raw payload, issues and message hold no token or key', async () => {
    server.on(CERTIFY_PATH, () => ({ body: envelope('success', { clientid: 42, token: TOKEN, productkey: PRODUCTKEY, note: `issued ${TOKEN}` }) }));
    const e = await firstValueFrom(certify({ url: server.url, project: 'demo', productkey: PRODUCTKEY })).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'E_DECODE' });
    expectClean(showAll(e), postedEncodeData(server));
  });
});

/** Waits until the CLI's client logged in at the hostile server. */
async function loggedIn(s: HostileServer): Promise<void> {
  const end = Date.now() + 8000;
  while (s.loggedIn.length === 0) {
    if (Date.now() > end) throw new Error('the CLI did not log in');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const touid = (payloadJson: string) => `2/io/demo/client,["touid",${payloadJson}]`;

describe('#12 item 3: CLI listen goes on after data nested 5,000 deep', () => {
  it('prints a one-line "skipped" note and the next message', async () => {
    const listen = startCli(['listen', ...cliAs(), '--count', '1']);
    await loggedIn(server);
    const deep = `${'{"d":'.repeat(5000)}1${'}'.repeat(5000)}`;
    server.writeRaw(touid(`{"command":"deep","sender":"evil-01","data":${deep}}`));
    server.writeRaw(touid('{"command":"after","sender":"kiosk-01","data":{"n":1}}'));
    const run = await listen.done;
    expect(run.code).toBe(0);
    expect(run.out.map((l) => JSON.parse(l) as unknown)).toEqual([{ command: 'after', sender: 'kiosk-01', data: { n: 1 } }]);
    expect(run.err).toContain('rexsys-rx: skipped a message of "deep" from "evil-01": its data is nested too deep');
    expect(run.stderr).not.toMatch(/unexpected error|internal error/);
  });
});

describe('#12 item 2 (CLI): listen --command and send --command take Object.prototype names', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('listen --command %s prints that command', async (name) => {
    const listen = startCli(['listen', ...cliAs(), '--command', name, '--count', '1']);
    await loggedIn(server);
    server.writeRaw(touid(JSON.stringify({ command: 'other', data: 0 })));
    server.writeRaw(touid(JSON.stringify({ command: name, data: { n: 1 } })));
    const run = await listen.done;
    expect({ code: run.code, err: run.stderr.includes('error') }).toEqual({ code: 0, err: false });
    expect(run.out.map((l) => (JSON.parse(l) as { command: string }).command)).toEqual([name]);
  });

  it.each(['constructor', 'valueOf'])('send --command %s sends', async (name) => {
    const run = await runCli(['send', ...cliAs(), '--to', 'display-01', '--command', name, '--via', 'rest']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(server.requests.at(-1)?.payload).toMatchObject({ command: name });
  });
});
