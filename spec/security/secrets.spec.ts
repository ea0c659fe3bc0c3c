/**
 * lib/security/secrets: the registry of held secrets and the scrubbers every error path
 * uses (#12 items 6–9). Unit level; spec/security/hostile.spec.ts proves the same over
 * real sockets against a server that echoes secrets.
 */
import { inspect } from 'node:util';
import { RexsysTransportError } from '../../lib/errors';
import { encodeData } from '../../lib/protocol/encode-data';
import { REDACTED, SecretSet } from '../../lib/security/secrets';

const TOKEN = 'a3f9c2d8e1b7a6c5d4e3f2a1b0c9d8e7';
const KEY = 'KIOSK-KEY-77';

function set(): SecretSet {
  const s = new SecretSet();
  s.add(TOKEN);
  s.add(KEY);
  return s;
}

describe('SecretSet.scrubText', () => {
  it('removes a secret as plain text, in any case, and %-encoded', () => {
    const s = set();
    expect(s.scrubText(`token ${TOKEN} rejected`)).toBe(`token ${REDACTED} rejected`);
    expect(s.scrubText(`TOKEN ${TOKEN.toUpperCase()}!`)).toBe(`TOKEN ${REDACTED}!`);
    expect(s.scrubText(`key=${encodeURIComponent('KEY 한/+')}`)).toBe(`key=${encodeURIComponent('KEY 한/+')}`);
    s.add('KEY 한/+');
    expect(s.scrubText(`key=${encodeURIComponent('KEY 한/+')}`)).toBe(`key=${REDACTED}`);
  });

  it('removes EncodeData that decodes to a secret: JSON body, form body (%-encoded), result.EncodeData (plain base64), cut short', () => {
    const s = set();
    const enc = encodeData({ token: TOKEN, project: 'demo', receiver: 'display-01', command: 'show', data: '{"a":1}' });
    const plain = btoa(JSON.stringify({ productkey: KEY }));
    for (const echoed of [
      `<pre>{"EncodeData":"${enc}"}</pre>`,
      `<pre>EncodeData=${encodeURIComponent(enc)}</pre>`,
      `result.EncodeData=${plain}`,
      `truncated: ${enc.slice(0, 60)}`,
      `shifted: ${enc.slice(2)}`,
    ]) {
      const out = s.scrubText(echoed);
      expect(out).toContain(REDACTED);
      expect(out).not.toContain(enc.slice(0, 40));
      expect(out).not.toContain(plain);
    }
  });

  it('removes EncodeData holding a token field even when the secret is not registered', () => {
    const other = encodeData({ token: 'never-registered-token-value', project: 'demo' });
    expect(new SecretSet().scrubText(`echo ${other}`)).toBe(`echo ${REDACTED}`);
  });

  it('leaves ordinary text, long words and unrelated base64 alone', () => {
    const s = set();
    const text = `POST /api/ide/io/send failed with HTTP 500: Internal Server Error ${btoa('{"hello":"world, nothing here"}')} supercalifragilistic`;
    expect(s.scrubText(text)).toBe(text);
  });

  it('ignores secrets shorter than 4 characters', () => {
    const s = new SecretSet();
    s.add('abc');
    s.add('');
    s.add(undefined);
    expect(s.size).toBe(0);
    expect(s.scrubText('abc')).toBe('abc');
  });
});

describe('SecretSet.scrub', () => {
  it('scrubs at any depth (13 and 100,000 levels) without recursion, and values of secret-named keys', () => {
    const s = set();
    let deep: unknown = { result: { productkey: KEY, message: `bad key ${KEY}` } };
    for (let i = 0; i < 13; i++) deep = { level: i, inner: deep };
    const out = s.scrub(deep);
    expect(JSON.stringify(out)).not.toContain(KEY);
    expect(JSON.stringify(out)).toContain(`bad key ${REDACTED}`);

    let deeper: unknown = { token: 'unknown-but-named-token' };
    for (let i = 0; i < 100_000; i++) deeper = [deeper];
    let cursor = s.scrub(deeper);
    for (let i = 0; i < 100_000; i++) cursor = (cursor as unknown[])[0];
    expect(cursor).toEqual({ token: REDACTED });
  });

  it('keeps cycles as cycles, scrubs keys, leaves the input untouched', () => {
    const s = set();
    const input: Record<string, unknown> = { [TOKEN]: 'as a key', note: `t=${TOKEN}` };
    input.self = input;
    const out = s.scrub(input);
    expect(out.self).toBe(out);
    expect(Object.keys(out)).toEqual([REDACTED, 'note', 'self']);
    expect(out.note).toBe(`t=${REDACTED}`);
    expect(input.note).toBe(`t=${TOKEN}`);
  });

  it('keeps non-secret values of any type; an empty token field stays empty', () => {
    const s = set();
    expect(s.scrub({ n: 1, b: true, z: null, u: undefined, token: '' })).toEqual({ n: 1, b: true, z: null, u: undefined, token: '' });
    expect(s.scrub('plain')).toBe('plain');
    expect(s.scrub(42)).toBe(42);
  });
});

describe('SecretSet.scrubError', () => {
  it('scrubs message, fields and stack in place, and replaces the cause by a plain scrubbed Error', () => {
    const s = set();
    const axiosLike = Object.assign(new Error(`socket hang up ${TOKEN}`), {
      code: 'ECONNRESET',
      config: { data: `{"EncodeData":"${encodeData({ token: TOKEN })}"}` },
    });
    const error = new RexsysTransportError('E_HTTP', `token ${TOKEN} rejected`, { status: 403, body: { deep: [{ echo: KEY }] }, cause: axiosLike });
    expect(s.scrubError(error)).toBe(error);
    const everything = [error.message, error.stack, JSON.stringify(error), inspect(error, { depth: Infinity })].join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(KEY);
    expect(everything).toContain('ECONNRESET');
    expect(error).toBeInstanceOf(RexsysTransportError);
    expect(error.status).toBe(403);
    expect(error.retryable).toBe(false);
    expect(Object.keys(error)).toEqual(expect.arrayContaining(['code', 'status', 'body']));
  });
});
