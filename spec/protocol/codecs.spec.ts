import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { RexsysDecodeError } from '../../lib/errors.js';
import {
  AnyEnvelope,
  CertificateResult,
  CertifyRequest,
  Channel,
  classifyLoginReply,
  expiryMillis,
  Hello,
  LoginReply,
  LoginRequest,
  MessageData,
  normaliseData,
  RequestMessage,
  RestSendPayload,
  RexsysEnvelope,
  ServerInfo,
  TouidMessage,
} from '../../lib/protocol/codecs.js';
import { decodeWith, formatIssues, toIssues } from '../../lib/protocol/report.js';

const ok = <A, O>(codec: t.Type<A, O, unknown>, value: unknown): A => {
  const r = codec.decode(value);
  if (E.isLeft(r)) throw new Error(`expected ${codec.name} to accept ${JSON.stringify(value)}: ${formatIssues(toIssues(r.left))}`);
  return r.right;
};
const refused = <A, O>(codec: t.Type<A, O, unknown>, value: unknown) => E.isLeft(codec.decode(value));
/** The report decodeWith gives for a refused value. */
const report = <A, O>(codec: t.Type<A, O, unknown>, value: unknown, source?: string): RexsysDecodeError => {
  const r = decodeWith(codec, value, source);
  if (E.isRight(r)) throw new Error(`expected ${codec.name} to refuse ${JSON.stringify(value)}`);
  return r.left;
};

/** A certificate answer exactly as DESIGN §1.2 shows it. */
const CERTIFICATE_ANSWER = {
  rexsys: {
    result: {
      clientid: 'kiosk-01',
      clients: '5',
      config: { io: { client: '/io/acme/client', user: '/io/acme/user' } },
      expire: { datetime: '2030-12-31 23:59:59', timestamp: 1924959599 },
      namespace: 'ide',
      productkey: 'KIOSK-KEY',
      project: 'acme',
      token: 'abc',
    },
    server: { namespace: 'ide', 'remote-addess': '127.0.0.1', runtime: 0, status: 'success', timestamp: 1719204446, version: '2.0' },
  },
};

describe('ServerInfo', () => {
  it('accepts the server block, the misspelt remote-addess and an optional message', () => {
    expect(ok(ServerInfo, CERTIFICATE_ANSWER.rexsys.server)).toEqual(CERTIFICATE_ANSWER.rexsys.server);
    expect(ok(ServerInfo, { status: 'fail', message: 'no' })).toEqual({ status: 'fail', message: 'no' });
  });
  it('refuses a missing status and wrongly typed optional fields', () => {
    expect(refused(ServerInfo, {})).toBe(true);
    expect(refused(ServerInfo, { status: 1 })).toBe(true);
    expect(refused(ServerInfo, { status: 'success', runtime: '0' })).toBe(true);
    expect(refused(ServerInfo, { status: 'success', 'remote-addess': 127 })).toBe(true);
    expect(report(ServerInfo, { status: 'success', timestamp: 'now' }).issues).toEqual([{ path: 'timestamp', expected: 'number', actual: 'now' }]);
  });
});

describe('RexsysEnvelope and AnyEnvelope', () => {
  it('RexsysEnvelope(CertificateResult) reads the certificate answer of DESIGN §1.2', () => {
    const env = ok(RexsysEnvelope(CertificateResult), CERTIFICATE_ANSWER);
    expect(env.rexsys.result.clientid).toBe('kiosk-01');
    expect(env.rexsys.result.config?.io.client).toBe('/io/acme/client');
    expect(RexsysEnvelope(CertificateResult).name).toBe('RexsysEnvelope<CertificateResult>');
  });
  it('RexsysEnvelope reports where a result field is wrong', () => {
    const bad = { rexsys: { ...CERTIFICATE_ANSWER.rexsys, result: { ...CERTIFICATE_ANSWER.rexsys.result, token: 42 } } };
    const err = report(RexsysEnvelope(CertificateResult), bad);
    expect(err.issues).toEqual([{ path: 'rexsys.result.token', expected: 'string', actual: 42 }]);
  });
  it('AnyEnvelope accepts a failure answer without result, and refuses what is no envelope', () => {
    expect(ok(AnyEnvelope, { rexsys: { server: { status: 'fail', message: 'unknown productkey' } } }).rexsys.result).toBeUndefined();
    expect(ok(AnyEnvelope, CERTIFICATE_ANSWER).rexsys.result).toEqual(CERTIFICATE_ANSWER.rexsys.result);
    for (const bad of [null, 'text', {}, { rexsys: {} }, { rexsys: { result: {} } }, { rexsys: { server: {} } }]) {
      expect(refused(AnyEnvelope, bad)).toBe(true);
    }
    expect(report(AnyEnvelope, { rexsys: { server: { status: 200 } } }).issues).toEqual([{ path: 'rexsys.server.status', expected: 'string', actual: 200 }]);
  });
});

describe('CertifyRequest and CertificateResult', () => {
  it('CertifyRequest needs project and productkey as strings', () => {
    expect(ok(CertifyRequest, { project: 'acme', productkey: 'K' })).toEqual({ project: 'acme', productkey: 'K' });
    expect(refused(CertifyRequest, { project: 'acme' })).toBe(true);
    expect(refused(CertifyRequest, { project: 'acme', projectkey: 'K' })).toBe(true); // the vendor table's misnomer
  });
  it('CertificateResult needs clientid and token; clients may be a number or a string', () => {
    expect(ok(CertificateResult, { clientid: 'k', token: 't' })).toEqual({ clientid: 'k', token: 't' });
    expect(ok(CertificateResult, { clientid: 'k', token: 't', clients: 5 }).clients).toBe(5);
    expect(ok(CertificateResult, { clientid: 'k', token: 't', clients: '5' }).clients).toBe('5');
    expect(refused(CertificateResult, { clientid: 'k' })).toBe(true);
    expect(refused(CertificateResult, { token: 't' })).toBe(true);
    expect(refused(CertificateResult, { clientid: 'k', token: 't', config: {} })).toBe(true);
    expect(refused(CertificateResult, { clientid: 'k', token: 't', expire: { timestamp: true } })).toBe(true);
    // A union reports each alternative at the same path.
    const err = report(CertificateResult, { clientid: 'k', token: 't', clients: true });
    expect(err.issues.map((i) => [i.path, i.expected])).toEqual([
      ['clients', 'number'],
      ['clients', 'string'],
    ]);
  });
});

describe('Hello, LoginRequest, Channel, RequestMessage, RestSendPayload', () => {
  it('Hello is { sid: string }', () => {
    expect(ok(Hello, { sid: 'abc' })).toEqual({ sid: 'abc' });
    expect(refused(Hello, {})).toBe(true);
    expect(refused(Hello, { sid: 1 })).toBe(true);
    expect(refused(Hello, 'abc')).toBe(true);
  });
  it('LoginRequest is { uid, sid, token } as strings', () => {
    expect(ok(LoginRequest, { uid: 'u', sid: 's', token: 't' })).toEqual({ uid: 'u', sid: 's', token: 't' });
    expect(refused(LoginRequest, { uid: 'u', sid: 's' })).toBe(true);
    expect(refused(LoginRequest, { uid: 'u', sid: 's', token: null })).toBe(true);
  });
  it('Channel is client or user', () => {
    expect(ok(Channel, 'client')).toBe('client');
    expect(ok(Channel, 'user')).toBe('user');
    expect(refused(Channel, 'admin')).toBe(true);
    expect(refused(Channel, undefined)).toBe(true);
  });
  it('RequestMessage needs channel, sender, receiver, command; data may be anything', () => {
    const m = { channel: 'client', sender: 'a', receiver: 'b', command: 'c', data: { x: [1] } };
    expect(ok(RequestMessage, m)).toEqual(m);
    expect(ok(RequestMessage, { ...m, data: null }).data).toBeNull();
    expect(refused(RequestMessage, { ...m, receiver: undefined })).toBe(true);
    expect(refused(RequestMessage, { ...m, command: 7 })).toBe(true);
  });
  it('RestSendPayload needs data as a JSON string', () => {
    const p = { token: 't', project: 'acme', channel: 'client', sender: 'a', receiver: 'b', command: 'c', data: '{"x":1}' };
    expect(ok(RestSendPayload, p)).toEqual(p);
    expect(report(RestSendPayload, { ...p, data: { x: 1 } }).issues).toEqual([{ path: 'data', expected: 'string', actual: { x: 1 } }]);
    expect(refused(RestSendPayload, { ...p, token: undefined })).toBe(true);
  });
});

describe('expiryMillis (#12 item 11: the forms servers send expire in)', () => {
  it('a numeric string timestamp decodes and counts as seconds, like a number', () => {
    const answer = { clientid: 'k', token: 't', expire: { datetime: '2030-12-31 23:59:59', timestamp: '1924959599' } };
    expect(expiryMillis(ok(CertificateResult, answer).expire)).toBe(1924959599000);
    expect(expiryMillis({ timestamp: 1924959599 })).toBe(1924959599000);
    expect(expiryMillis({ timestamp: ' 1924959599 ' })).toBe(1924959599000);
  });
  it('without a usable timestamp, the datetime (local time unless it carries a zone)', () => {
    expect(ok(CertificateResult, { clientid: 'k', token: 't', expire: { datetime: '2030-12-31 23:59:59' } }).expire).toEqual({
      datetime: '2030-12-31 23:59:59',
    });
    expect(expiryMillis({ datetime: '2030-12-31 23:59:59' })).toBe(new Date(2030, 11, 31, 23, 59, 59).getTime());
    expect(expiryMillis({ datetime: '2030-12-31T23:59:59Z' })).toBe(Date.UTC(2030, 11, 31, 23, 59, 59));
    expect(expiryMillis({ datetime: '2030-12-31 23:59:59+09:00' })).toBe(Date.UTC(2030, 11, 31, 14, 59, 59));
    expect(expiryMillis({ timestamp: null, datetime: '2030-12-31 23:59' })).toBe(new Date(2030, 11, 31, 23, 59, 0).getTime());
    expect(expiryMillis({ timestamp: 'soon', datetime: '2030-12-31 23:59:59Z' })).toBe(Date.UTC(2030, 11, 31, 23, 59, 59));
  });
  it('an expiry it cannot read is undefined, never an error', () => {
    for (const expire of [
      undefined,
      {},
      { timestamp: 'soon' },
      { timestamp: -1 },
      { datetime: 'tomorrow' },
      { datetime: '2030-13-01 00:00:00' },
      { timestamp: null, datetime: null },
    ]) {
      expect(expiryMillis(expire)).toBeUndefined();
    }
  });
});

describe('classifyLoginReply and LoginReply', () => {
  const successes: unknown[] = [
    { status: 'success' },
    { status: 'success', uid: 'u', sid: 's' },
    {},
    'ok',
    true,
    null,
    undefined,
    { result: 'ok' },
    { status: 0 },
    { error: null },
    { error: false },
    { error: '' },
    { error: 0 },
    { error: '0' },
    42,
    'login success',
    'welcome kiosk-01',
    { status: 'success', message: 'no error' },
  ];
  const failures: Array<[unknown, RegExp]> = [
    [{ status: 'fail' }, /status fail/],
    [{ status: 'fail', message: 'unknown token' }, /status fail: unknown token/],
    [{ status: ' FAILED ' }, /status/],
    [{ status: 'error' }, /status error/],
    [{ status: 'denied' }, /status denied/],
    [{ result: 'error' }, /result error/],
    [{ result: false }, /result false/],
    [{ error: 'x' }, /^x$/],
    [{ error: true, message: 'bad token' }, /error: bad token/],
    [{ status: 'success', error: 'late failure' }, /late failure/],
    [false, /false/],
    ['fail', /fail/],
    ['error', /error/],
    [{ status: false }, /status false/],
    [{ status: 'false' }, /status false/],
    // #12 item 13: a failure *string* is a failure, however it is phrased.
    ['login fail: invalid token', /^login fail: invalid token$/],
    ['Login failed', /Login failed/],
    ['ERROR: token expired', /token expired/],
    ['unauthorized', /unauthorized/],
    [{ status: 'login fail' }, /status login fail/],
    [{ message: 'invalid token' }, /invalid token/],
  ];

  it.each(successes.map((r) => [JSON.stringify(r) ?? 'undefined', r]))('%s is a success', (_label, reply) => {
    const outcome = classifyLoginReply(reply);
    expect(outcome).toEqual({ ok: true, reply });
  });

  it.each(failures.map(([r, why]) => [JSON.stringify(r), r, why] as const))('%s is a failure', (_label, reply, why) => {
    const outcome = classifyLoginReply(reply);
    expect(outcome.ok).toBe(false);
    expect(outcome.reply).toBe(reply);
    if (!outcome.ok) expect(outcome.reason).toMatch(why);
  });

  it('LoginReply decodes any value into the classified outcome, and encodes back to the reply', () => {
    const reply = { status: 'fail', message: 'no' };
    const outcome = ok(LoginReply, reply);
    expect(outcome).toEqual({ ok: false, reason: 'status fail: no', reply });
    expect(LoginReply.is(outcome)).toBe(true);
    expect(LoginReply.is(reply)).toBe(false);
    expect(LoginReply.encode(outcome)).toBe(reply);
    expect(ok(LoginReply, { status: 'success' }).ok).toBe(true);
  });
});

describe('normaliseData, MessageData and TouidMessage', () => {
  const cases: Array<[unknown, unknown]> = [
    ['{"a":1,"b":[true,null]}', { a: 1, b: [true, null] }],
    ['  {"a":"한국어"}\n', { a: '한국어' }],
    ['[1,2]', [1, 2]],
    ['"quoted"', 'quoted'],
    ['-1.5', -1.5],
    ['42', 42],
    ['true', true],
    ['false', false],
    ['null', null],
    ['hello', 'hello'],
    ['안녕', '안녕'],
    ['{not json', '{not json'],
    ['12abc', '12abc'],
    ['-', '-'],
    ['True', 'True'],
    ['', ''],
    ['   ', '   '],
    [{ a: 1 }, { a: 1 }],
    [7, 7],
    [null, null],
  ];

  it.each(cases.map(([input, output]) => [JSON.stringify(input), input, output] as const))('normaliseData(%s)', (_label, input, output) => {
    expect(normaliseData(input)).toEqual(output);
  });

  it('leaves objects as they are (same reference) and never throws', () => {
    const data = { deep: { x: 1 } };
    expect(normaliseData(data)).toBe(data);
    expect(ok(MessageData, data)).toBe(data);
    expect(ok(MessageData, '{"x":1}')).toEqual({ x: 1 });
  });

  it('TouidMessage normalises JSON-string data (REST sends) and leaves object data (socket sends) alone', () => {
    const viaRest = { command: 'show', data: '{"url":"/a.png","seconds":5}', sender: 'kiosk-01', receiver: 'display-01', channel: 'client' };
    expect(ok(TouidMessage, viaRest)).toEqual({ ...viaRest, data: { url: '/a.png', seconds: 5 } });
    const viaSocket = { command: 'show', data: { url: '/a.png', seconds: 5 } };
    expect(ok(TouidMessage, viaSocket)).toEqual(viaSocket);
    expect(ok(TouidMessage, { command: 'say', data: 'hello world' })).toEqual({ command: 'say', data: 'hello world' });
    expect(ok(TouidMessage, { command: 'say', data: '{broken' })).toEqual({ command: 'say', data: '{broken' });
  });

  it('TouidMessage refuses a missing command and wrongly typed routing fields, with the path', () => {
    expect(report(TouidMessage, { data: {} }).issues).toEqual([{ path: 'command', expected: 'string', actual: undefined }]);
    expect(report(TouidMessage, { command: 'c', data: {}, sender: 5 }).issues).toEqual([{ path: 'sender', expected: 'string', actual: 5 }]);
    expect(refused(TouidMessage, 'show')).toBe(true);
    expect(refused(TouidMessage, null)).toBe(true);
  });
});

describe('decodeWith reports', () => {
  const Item = t.type({ id: t.number, name: t.string }, 'Item');
  const Show = t.type({ data: t.type({ items: t.array(Item) }) }, 'Show');

  it('gives path, expected and a readable actual: "at data.items.0.id: expected number, got "x""', () => {
    const raw = {
      data: {
        items: [
          { id: 'x', name: 'a' },
          { id: 2, name: 3 },
        ],
      },
    };
    const err = report(Show, raw, 'show');
    expect(err).toBeInstanceOf(RexsysDecodeError);
    expect(err.code).toBe('E_DECODE');
    expect(err.source).toBe('show');
    expect(err.raw).toBe(raw);
    expect(err.issues).toEqual([
      { path: 'data.items.0.id', expected: 'number', actual: 'x' },
      { path: 'data.items.1.name', expected: 'string', actual: 3 },
    ]);
    expect(err.message).toBe('show payload does not match Show: at data.items.0.id: expected number, got "x"; at data.items.1.name: expected string, got 3');
  });

  it('names the root as (root), shows undefined and shortens long values', () => {
    expect(report(Show, 'nope').message).toBe('Payload does not match Show: at (root): expected Show, got "nope"');
    expect(report(Hello, {}).message).toContain('at sid: expected string, got undefined');
    const long = report(Hello, { sid: ['x'.repeat(500)] });
    expect(long.message.length).toBeLessThan(250);
    expect(long.message).toContain('…');
  });

  it('drops intersection and union member indexes from paths, keeps array indexes', () => {
    const Wrapped = t.type({ list: t.array(t.union([t.number, TouidMessage])) });
    const err = report(Wrapped, { list: [1, { command: 9, data: 'x' }] });
    expect(err.issues.map((i) => i.path)).toEqual(['list.1', 'list.1.command']);
  });

  it('keeps a separate raw payload when given one', () => {
    const r = decodeWith(Hello, {}, 'hello', '2["connect",{}]');
    expect(E.isLeft(r) && r.left.raw).toBe('2["connect",{}]');
  });

  it('returns Right with the decoded value (normalised) on success', () => {
    const r = decodeWith(TouidMessage, { command: 'c', data: '[1]' });
    expect(r).toEqual(E.right({ command: 'c', data: [1] }));
  });

  it('keeps a codec message when the codec gives one', () => {
    const Even = new t.Type<number, number, unknown>(
      'Even',
      (u): u is number => typeof u === 'number' && u % 2 === 0,
      (u, c) => (typeof u === 'number' && u % 2 === 0 ? t.success(u) : t.failure(u, c, 'must be even')),
      t.identity,
    );
    const err = report(t.type({ n: Even }), { n: 3 });
    expect(err.issues).toEqual([{ path: 'n', expected: 'Even', actual: 3, message: 'must be even' }]);
    expect(err.message).toContain('at n: expected Even, got 3 (must be even)');
  });
});
