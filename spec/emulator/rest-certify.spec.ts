/**
 * The certificate endpoint (DESIGN §1.2) and the REST plumbing around it: body formats,
 * envelopes, errors, CORS and the body-size cap.
 */
import { firstValueFrom } from 'rxjs';
import { certify } from '../../lib/auth/certify';
import { RexsysAuthError } from '../../lib/errors';
import { encodeData } from '../../lib/protocol/encode-data';
import { startEmulator, CERTIFY_ROUTE, type RexsysEmulator } from '../../lib/emulator/index';
import { postEncodedRaw, postRaw, rexsys, type RawFormat } from '../support/emulator-helpers';

describe('emulator REST: certificate', () => {
  let emulator: RexsysEmulator;
  const lines: string[] = [];
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, tokenTtl: 3600, logger: (l) => lines.push(l) });
  });
  afterAll(() => emulator.close());

  it('certify() (form body) gets credentials for a known productkey', async () => {
    const before = Date.now();
    const creds = await firstValueFrom(certify({ url: emulator.url, project: 'demo', productkey: 'KIOSK-KEY' }));
    expect(creds.uid).toBe('kiosk-01');
    expect(creds.token).toMatch(/^[0-9a-f]{48}$/);
    expect(creds.project).toBe('demo');
    expect(creds.namespaces).toEqual({ client: '/io/demo/client', user: '/io/demo/user' });
    // expire.timestamp is whole seconds: allow the rounding.
    expect(creds.expiresAt).toBeGreaterThanOrEqual(Math.floor((before + 3600_000) / 1000) * 1000);
    expect(creds.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
  });

  it.each(['json', 'text'] as const)('certify() with body %s gets credentials too', async (body) => {
    const creds = await firstValueFrom(certify({ url: emulator.url, project: 'demo', productkey: 'DISPLAY-KEY', body }));
    expect(creds.uid).toBe('display-01');
  });

  it.each<RawFormat>(['form', 'json', 'text'])('answers the exact success envelope to a %s body', async (format) => {
    const res = await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'demo', productkey: 'DISPLAY-KEY' }, format);
    expect(res.status).toBe(200);
    const { result, server } = rexsys(res);
    expect(Object.keys(result).sort()).toEqual(['clientid', 'clients', 'config', 'expire', 'namespace', 'productkey', 'project', 'token']);
    expect(result).toMatchObject({
      clientid: 'display-01',
      clients: '2',
      config: { io: { client: '/io/demo/client', user: '/io/demo/user' } },
      namespace: 'ide',
      productkey: 'DISPLAY-KEY',
      project: 'demo',
    });
    expect(typeof result.token).toBe('string');
    const expire = result.expire as { datetime: string; timestamp: number };
    expect(expire.datetime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(Math.abs(expire.timestamp - (Date.now() / 1000 + 3600))).toBeLessThan(5);
    expect(Object.keys(server).sort()).toEqual(['namespace', 'remote-addess', 'runtime', 'status', 'timestamp', 'version']);
    expect(server).toMatchObject({ namespace: 'ide', 'remote-addess': '127.0.0.1', status: 'success', version: '2.0' });
    expect(typeof server.runtime).toBe('number');
    expect(Math.abs((server.timestamp as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('issues a different token on every certify', async () => {
    const a = await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'demo', productkey: 'KIOSK-KEY' }, 'json');
    const b = await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'demo', productkey: 'KIOSK-KEY' }, 'json');
    expect(rexsys(a).result.token).not.toBe(rexsys(b).result.token);
  });

  it("accepts the vendor table's spelling `projectkey`", async () => {
    const res = await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'demo', projectkey: 'KIOSK-KEY' }, 'form');
    expect(rexsys(res).result.clientid).toBe('kiosk-01');
  });

  it('never writes a token to the log', async () => {
    const res = await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'demo', productkey: 'KIOSK-KEY' }, 'json');
    const token = rexsys(res).result.token as string;
    expect(lines.some((l) => l.includes('issued a token to kiosk-01'))).toBe(true);
    expect(lines.join('\n')).not.toContain(token);
  });

  describe('refusals', () => {
    it('refuses an unknown productkey with HTTP 200, status fail, a message and no token', async () => {
      const res = await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'demo', productkey: 'NOPE' }, 'form');
      expect(res.status).toBe(200);
      const { result, server } = rexsys(res);
      expect(server.status).toBe('fail');
      expect(server.message).toMatch(/productkey is not registered/);
      expect(result.message).toBe(server.message);
      expect(result.token).toBeUndefined();
      expect(JSON.stringify(res.data)).not.toContain('NOPE');
    });

    it('refuses an unknown project the same way', async () => {
      const res = await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'acme', productkey: 'KIOSK-KEY' }, 'json');
      expect(res.status).toBe(200);
      expect(rexsys(res).server).toMatchObject({ status: 'fail', message: 'Unknown project "acme".' });
    });

    it('makes certify() fail with E_CERTIFY_REFUSED', async () => {
      const err = await firstValueFrom(certify({ url: emulator.url, project: 'demo', productkey: 'NOPE' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RexsysAuthError);
      expect((err as RexsysAuthError).code).toBe('E_CERTIFY_REFUSED');
      expect((err as RexsysAuthError).message).toMatch(/productkey is not registered/);
    });
  });

  describe('bad requests get 4xx error envelopes with clear messages', () => {
    const expectError = (res: { status: number; data: unknown }, status: number, message: RegExp) => {
      expect(res.status).toBe(status);
      const { result, server } = rexsys(res as Parameters<typeof rexsys>[0]);
      expect(server.status).toBe('error');
      expect(server.message).toMatch(message);
      expect(result.message).toBe(server.message);
      expect(server.version).toBe('2.0');
    };

    it('EncodeData that is not base64', async () => {
      expectError(await postRaw(emulator.url, CERTIFY_ROUTE, 'EncodeData=%%%not-base64', 'application/x-www-form-urlencoded'), 400, /not valid base64/);
    });

    it('EncodeData that holds no JSON', async () => {
      const body = JSON.stringify({ EncodeData: btoa('not json') });
      expectError(await postRaw(emulator.url, CERTIFY_ROUTE, body, 'application/json'), 400, /does not hold JSON/);
    });

    it('a broken JSON body', async () => {
      expectError(await postRaw(emulator.url, CERTIFY_ROUTE, '{"EncodeData": ', 'application/json'), 400, /not valid JSON/);
    });

    it('a body without EncodeData', async () => {
      expectError(await postRaw(emulator.url, CERTIFY_ROUTE, 'foo=bar', 'application/x-www-form-urlencoded'), 400, /no EncodeData field/);
      expectError(await postRaw(emulator.url, CERTIFY_ROUTE, '{"foo":1}', 'application/json'), 400, /no EncodeData string field/);
      expectError(await postRaw(emulator.url, CERTIFY_ROUTE, '', 'application/json'), 400, /empty/);
    });

    it('EncodeData of the wrong shape names the field', async () => {
      const body = JSON.stringify({ EncodeData: encodeData({ project: 'demo' }) });
      expectError(await postRaw(emulator.url, CERTIFY_ROUTE, body, 'application/json'), 400, /at productkey: expected string, got undefined/);
    });

    it('an unsupported content type', async () => {
      expectError(await postRaw(emulator.url, CERTIFY_ROUTE, '<x/>', 'application/xml'), 400, /Unsupported content type "application\/xml"/);
    });

    it('an unknown path (404) and a GET on a known one (405)', async () => {
      expectError(await postRaw(emulator.url, '/api/nope', '{}', 'application/json'), 404, /No such endpoint: POST \/api\/nope/);
      const get = await fetch(emulator.url + CERTIFY_ROUTE);
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST, OPTIONS');
      expect(((await get.json()) as { rexsys: { server: { message: string } } }).rexsys.server.message).toMatch(/only accepts POST/);
    });
  });

  describe('CORS', () => {
    it('answers a preflight with 204 and the allow headers, echoing the Origin', async () => {
      const res = await fetch(emulator.url + CERTIFY_ROUTE, {
        method: 'OPTIONS',
        headers: { Origin: 'http://kiosk.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://kiosk.example');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    });

    it('answers * without an Origin, and puts the CORS header on POST answers', async () => {
      const bare = await fetch(emulator.url + CERTIFY_ROUTE, { method: 'OPTIONS' });
      expect(bare.headers.get('access-control-allow-origin')).toBe('*');
      const res = await postRaw(
        emulator.url,
        CERTIFY_ROUTE,
        JSON.stringify({ EncodeData: encodeData({ project: 'demo', productkey: 'KIOSK-KEY' }) }),
        'application/json',
        {
          Origin: 'http://kiosk.example',
        },
      );
      expect(res.headers['access-control-allow-origin']).toBe('http://kiosk.example');
    });
  });
});

describe('emulator REST: body size cap', () => {
  let emulator: RexsysEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, maxHttpBufferSize: 1000 });
  });
  afterAll(() => emulator.close());

  it('answers 413 with an error envelope for a body over maxHttpBufferSize, and still serves after', async () => {
    const big = JSON.stringify({ EncodeData: encodeData({ project: 'demo', productkey: 'x'.repeat(2000) }) });
    const res = await postRaw(emulator.url, CERTIFY_ROUTE, big, 'application/json');
    expect(res.status).toBe(413);
    expect(rexsys(res).server).toMatchObject({ status: 'error' });
    expect(rexsys(res).server.message).toMatch(/larger than the limit of 1000 bytes/);
    const ok = await postEncodedRaw(emulator.url, CERTIFY_ROUTE, { project: 'demo', productkey: 'KIOSK-KEY' }, 'json');
    expect(ok.status).toBe(200);
  });
});
