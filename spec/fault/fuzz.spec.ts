/**
 * Property-based fuzzing (fast-check, fixed seeds: a failure prints its seed and path;
 * `REXSYS_SEED=<n>` changes them, `REXSYS_SOAK=1` runs many more cases).
 *
 * Proves: EncodeData decoding fails only with RexsysEncodingError (the Either form
 * never throws) and encoding round-trips; every protocol codec, `decodeWith` and
 * `classifyLoginReply` are total; the hello decoder behaves exactly like the stock
 * socket.io-parser Decoder except that it renames an incoming `connect` event; the
 * emulator's REST endpoints answer any body with a 4xx envelope (or 200 for valid
 * input), never a 5xx, never hang, and keep serving (the python peer, the reference,
 * is fuzzed too and its 5xx answers are reported, not failed); a client fed arbitrary
 * `touid` payloads reports each bad one on errors$ and keeps delivering the good ones.
 */
import * as http from 'node:http';
import * as E from 'fp-ts/lib/Either.js';
import * as fc from 'fast-check';
import * as t from 'io-ts';
import { Decoder, Encoder, PacketType } from 'socket.io-parser';
import { createRexsysClient } from '../../lib/client/create-client';
import * as codecs from '../../lib/protocol/codecs';
import { classifyLoginReply, normaliseData } from '../../lib/protocol/codecs';
import { decodeData, decodeDataEither, encodeData } from '../../lib/protocol/encode-data';
import { HELLO_EVENT, HelloDecoder, renameHello } from '../../lib/protocol/hello-parser';
import { decodeWith } from '../../lib/protocol/report';
import { RexsysDecodeError, RexsysEncodingError, type RexsysClient } from '../../lib/index';
import { certifyKey } from '../support/emulator-helpers';
import { record, untilStatus } from '../support/client-helpers';
import { PEERS, type TestServer } from '../support/servers';
import { waitFor } from '../support/wait';
import { SEED, countBy, report, scale } from '../support/fault-kit';

const RUNS = scale(300, 20_000);
/** fast-check parameters of one property: a fixed seed derived from the run's seed. */
const params = (k: number, numRuns = RUNS) => ({ seed: SEED + k, numRuns });

/** Every kind of value fast-check can make, the exotic ones included. */
const anythingRich = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: 'binary',
});
const anyValue = fc.oneof(fc.anything(), anythingRich);

// ---------------------------------------------------------------------------------------------
describe('fuzz: EncodeData', () => {
  const base64Chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
  const texts = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom(...base64Chars.split(''), ' ', '%', '-', '_') }),
    // base64 of arbitrary bytes, and of %-laden latin-1 text
    fc.uint8Array({ maxLength: 96 }).map((b) => Buffer.from(b).toString('base64')),
    fc
      .string({ unit: fc.constantFrom('%', '2', '5', 'E', 'F', 'C', '0', 'd', '8', '{', '}', '"', ':', 'a', '[', ']') })
      .map((s) => Buffer.from(s, 'latin1').toString('base64')),
    // valid EncodeData, then damaged
    fc.tuple(fc.jsonValue(), fc.nat(), fc.string({ maxLength: 3 })).map(([v, at, junk]) => {
      const s = encodeData(v);
      const i = at % (s.length + 1);
      return s.slice(0, i) + junk + s.slice(i + junk.length);
    }),
  );

  it('decodeDataEither never throws; decodeData throws only RexsysEncodingError, and agrees with it', () => {
    const tally = { right: 0, left: 0 };
    fc.assert(
      fc.property(texts, (text) => {
        let either: E.Either<RexsysEncodingError, unknown> | undefined;
        expect(() => (either = decodeDataEither(text))).not.toThrow();
        // a well-formed Either: exactly its tag and its one side
        expect(Object.keys(either!).sort()).toEqual(E.isLeft(either!) ? ['_tag', 'left'] : ['_tag', 'right']);
        if (E.isLeft(either!)) {
          tally.left++;
          const left = either.left;
          expect(left).toBeInstanceOf(RexsysEncodingError);
          expect(left.code).toBe('E_ENCODE_DATA');
          expect(left.input.length).toBeLessThanOrEqual(201);
          let thrown: unknown;
          try {
            decodeData(text);
          } catch (e) {
            thrown = e;
          }
          expect(thrown).toBeInstanceOf(RexsysEncodingError);
          expect((thrown as RexsysEncodingError).message).toBe(left.message);
        } else {
          tally.right++;
          expect(decodeData(text)).toEqual(either!.right);
        }
      }),
      params(1),
    );
    report('fuzz decodeData', { seed: SEED + 1, runs: RUNS, ...tally });
    expect(tally.left).toBeGreaterThan(0);
    expect(tally.right).toBeGreaterThan(0);
  });

  it('decodeDataEither is a Left (never a throw) for values that are not strings', () => {
    fc.assert(
      fc.property(
        anyValue.filter((v) => typeof v !== 'string'),
        (v) => {
          const r = decodeDataEither(v as string);
          expect(E.isLeft(r) && r.left instanceof RexsysEncodingError).toBe(true);
        },
      ),
      params(2),
    );
  });

  it('encodeData then decodeData gives back the JSON value, Korean and emoji included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'grapheme' }), (v) => {
        expect(decodeData(encodeData(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      params(3),
    );
  });

  /** Any code point, plus lone surrogates (fast-check's 'binary' unit makes none). */
  const withLoneSurrogates = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\ud83d'),
  );

  it('encodeData of any JSON value (lone surrogates included) returns EncodeData or throws a RexsysEncodingError', () => {
    // A string cut in the middle of an emoji holds a lone surrogate; JSON.stringify escapes it, encodeURIComponent does not.
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: withLoneSurrogates }), (v) => {
        let out: unknown;
        try {
          out = encodeData(v);
        } catch (e) {
          out = e;
        }
        if (typeof out !== 'string') expect(out).toBeInstanceOf(RexsysEncodingError);
        else expect(decodeData(out)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      params(4),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('fuzz: protocol codecs', () => {
  const all: Array<[string, t.Type<unknown, unknown, unknown>]> = [
    ...Object.entries(codecs)
      .filter(([, v]) => v instanceof t.Type)
      .map(([k, v]) => [k, v as t.Type<unknown, unknown, unknown>] as [string, t.Type<unknown, unknown, unknown>]),
    ['RexsysEnvelope(unknown)', codecs.RexsysEnvelope(t.unknown) as unknown as t.Type<unknown, unknown, unknown>],
    ['RexsysEnvelope(CertificateResult)', codecs.RexsysEnvelope(codecs.CertificateResult) as unknown as t.Type<unknown, unknown, unknown>],
  ];

  it('lists every codec of lib/protocol/codecs.ts', () => {
    expect(all.map(([k]) => k)).toEqual(
      expect.arrayContaining([
        'ServerInfo',
        'AnyEnvelope',
        'CertifyRequest',
        'CertificateResult',
        'Hello',
        'LoginRequest',
        'LoginReply',
        'MessageData',
        'TouidMessage',
        'Channel',
        'RequestMessage',
        'RestSendPayload',
      ]),
    );
  });

  it.each(all)('%s: decode and is never throw and decode returns an Either (fc.anything, plain and exotic)', (_name, codec) => {
    const tally = { right: 0, left: 0 };
    fc.assert(
      fc.property(anyValue, (u) => {
        let r: t.Validation<unknown> | undefined;
        expect(() => (r = codec.decode(u))).not.toThrow();
        if (E.isRight(r!)) {
          tally.right++;
          expect('right' in r).toBe(true);
        } else {
          tally.left++;
          // a failed decode always says where and why
          expect(r!.left.length).toBeGreaterThan(0);
          for (const error of r!.left) expect(Array.isArray(error.context) && error.context.length > 0).toBe(true);
        }
        expect(typeof codec.is(u)).toBe('boolean');
      }),
      params(10),
    );
  });

  /** The structure TouidMessage promises (DESIGN §1.3), stated the slow io-ts way. */
  const TouidSpec = t.intersection([t.type({ command: t.string, data: t.unknown }), t.partial({ sender: t.string, receiver: t.string, channel: t.string })]);
  const touidLike = fc.record(
    {
      command: fc.oneof(fc.string(), anyValue),
      data: fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
        anyValue,
      ),
      sender: fc.oneof(fc.string(), anyValue),
      receiver: fc.oneof(fc.string(), fc.constant(undefined)),
      channel: fc.oneof(fc.constantFrom('client', 'user'), anyValue),
    },
    { requiredKeys: [] },
  );

  it('TouidMessage (the fast form) accepts exactly what the structural codec accepts, with data normalised', () => {
    fc.assert(
      fc.property(fc.oneof(touidLike, fc.anything()), (u) => {
        const fast = codecs.TouidMessage.decode(u);
        const spec = TouidSpec.decode(u);
        expect(E.isRight(fast)).toBe(E.isRight(spec));
        if (E.isRight(fast) && E.isRight(spec)) {
          const r = u as Record<string, unknown>;
          expect(fast.right.command).toBe(r.command);
          expect(fast.right.data).toEqual(normaliseData(r.data));
          for (const k of ['sender', 'receiver', 'channel'] as const) expect(fast.right[k]).toBe(r[k]);
        }
      }),
      params(11),
    );
  });

  it('decodeWith(codec, …) never throws, as documented: a Right or a RexsysDecodeError holding the raw value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...all.map(([name]) => name)), anyValue, (name, u) => {
        const codec = all.find(([n]) => n === name)![1];
        let r: E.Either<RexsysDecodeError, unknown> | undefined;
        expect(() => (r = decodeWith(codec, u, 'fuzz'))).not.toThrow();
        if (E.isLeft(r!)) {
          expect(r.left).toBeInstanceOf(RexsysDecodeError);
          expect(r.left.raw).toBe(u);
        }
      }),
      params(12),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('fuzz: classifyLoginReply', () => {
  const failWord = fc
    .tuple(fc.constantFrom('fail', 'failed', 'failure', 'error', 'false', 'denied', 'refused', 'invalid'), fc.boolean(), fc.constantFrom('', ' ', '\t'))
    .map(([w, upper, pad]) => `${pad}${upper ? w.toUpperCase() : w}${pad}`);

  it('is total: any reply gives { ok, reply } (and a reason string when refused)', () => {
    const tally = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.oneof(anyValue, fc.record({ status: fc.oneof(failWord, anyValue), result: anyValue, error: anyValue, message: anyValue }, { requiredKeys: [] })),
        (reply) => {
          const outcome = classifyLoginReply(reply);
          expect(typeof outcome.ok).toBe('boolean');
          expect(outcome.reply).toBe(reply);
          if (!outcome.ok) expect(typeof outcome.reason).toBe('string');
          if (outcome.ok) tally.ok++;
          else tally.refused++;
        },
      ),
      params(20),
    );
    report('fuzz classifyLoginReply', { seed: SEED + 20, runs: RUNS, ...tally });
  });

  it('says what the server says: fail/error/false status or result, or an error field (not 0), is a refusal; a success reply is not', () => {
    fc.assert(
      fc.property(failWord, fc.constantFrom('status', 'result'), fc.string(), (word, key, message) => {
        expect(classifyLoginReply({ [key]: word, message }).ok).toBe(false);
        expect(classifyLoginReply({ [key]: false }).ok).toBe(false);
        expect(classifyLoginReply(word).ok).toBe(false);
      }),
      params(21),
    );
    fc.assert(
      // `error: 0` / `'0'` is how some servers say "no error" (lib/protocol/codecs.ts).
      fc.property(
        fc.string({ minLength: 1 }).filter((e) => e !== '0'),
        fc.string(),
        fc.string(),
        (error, uid, sid) => {
          expect(classifyLoginReply({ error }).ok).toBe(false);
          expect(classifyLoginReply({ error: '0', uid, sid }).ok).toBe(true);
          expect(classifyLoginReply({ error: 0, status: 'success', uid }).ok).toBe(true);
          expect(classifyLoginReply({ status: 'success', uid, sid }).ok).toBe(true);
          expect(classifyLoginReply({ uid, sid }).ok).toBe(true);
        },
      ),
      params(22),
    );
    expect(classifyLoginReply(undefined).ok).toBe(true); // no payload: success (DESIGN §1.3)
  });
});

// ---------------------------------------------------------------------------------------------
describe('fuzz: the hello decoder against the stock socket.io-parser Decoder', () => {
  type Step = { readonly packets: unknown[] } | { readonly threw: string };
  type Validity = (type: number, payload: unknown) => boolean;
  const stockValidity: Validity = (Decoder as unknown as { isPayloadValid: Validity }).isPayloadValid;

  /** Feeds one piece to a decoder; `lenient` lets a text `connect` event through validation (the oracle). */
  const feed = (decoder: Decoder, input: unknown, lenient = false): Step => {
    const packets: unknown[] = [];
    const onDecoded = (p: unknown) => packets.push(p);
    decoder.on('decoded', onDecoded);
    const holder = Decoder as unknown as { isPayloadValid: Validity };
    if (lenient) {
      holder.isPayloadValid = (type, payload) =>
        type === PacketType.EVENT && Array.isArray(payload) && payload[0] === 'connect' ? true : stockValidity(type, payload);
    }
    try {
      decoder.add(input);
      return { packets };
    } catch (e) {
      return { threw: `${(e as Error).constructor.name}: ${(e as Error).message}` };
    } finally {
      holder.isPayloadValid = stockValidity;
      decoder.off('decoded', onDecoded);
    }
  };

  /**
   * The contract: the hello decoder gives what the stock decoder gives, except that a
   * text EVENT named `connect` (which the stock decoder refuses) decodes, renamed.
   */
  const expectSameAsStockButHello = (pieces: unknown[]) => {
    const stock = new Decoder();
    const lenient = new Decoder();
    const hello = new HelloDecoder();
    let renamed = 0;
    pieces.forEach((piece, i) => {
      const s = feed(stock, piece);
      const l = feed(lenient, piece, true);
      const h = feed(hello, piece);
      const isHello = (p: unknown) => {
        const packet = p as { type?: number; data?: unknown[] };
        return packet.type === PacketType.EVENT && Array.isArray(packet.data) && packet.data[0] === 'connect';
      };
      let expected: Step = s;
      if ('packets' in l && l.packets.some(isHello)) {
        renamed++;
        expected = { packets: l.packets.map((p) => (isHello(p) ? { ...(p as object), data: [HELLO_EVENT, ...(p as { data: unknown[] }).data.slice(1)] } : p)) };
      }
      expect({ piece: typeof piece === 'string' ? piece : `<${(piece as Buffer).length} bytes>`, index: i, step: h }).toEqual({
        piece: typeof piece === 'string' ? piece : `<${(piece as Buffer).length} bytes>`,
        index: i,
        step: expected,
      });
    });
    stock.destroy();
    lenient.destroy();
    hello.destroy();
    return renamed;
  };

  const eventName = fc.oneof(
    fc.constantFrom(
      'connect',
      'connect',
      'connect_error',
      'disconnect',
      'disconnecting',
      'newListener',
      'removeListener',
      'touid',
      'login',
      HELLO_EVENT,
      'Connect',
      'connect ',
      'connected',
      '',
    ),
    fc.string({ maxLength: 8 }),
    fc.integer({ min: -5, max: 50 }),
  );
  const args = fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ sid: fc.string({ maxLength: 6 }) })), { maxLength: 3 });

  it('on packets as a Socket.IO server writes them (stock Encoder): identical, a connect event renamed', () => {
    const packet = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          type: fc.constant(PacketType.EVENT),
          nsp: fc.constantFrom('/', '/io/demo/client', '/io/demo/user'),
          id: fc.option(fc.nat({ max: 99999 }), { nil: undefined }),
          data: fc
            .tuple(
              fc.oneof({ weight: 1, arbitrary: fc.constant('connect') }, { weight: 2, arbitrary: eventName }),
              args,
              fc.option(fc.uint8Array({ maxLength: 4 }), { nil: undefined }),
            )
            .map(([n, a, bin]) => (bin ? [n, ...a, bin] : [n, ...a])),
        }),
      },
      fc.record({ type: fc.constant(PacketType.ACK), nsp: fc.constantFrom('/', '/io/demo/client'), id: fc.nat({ max: 999 }), data: args }),
      fc.record({
        type: fc.constant(PacketType.CONNECT),
        nsp: fc.constantFrom('/', '/io/demo/client'),
        data: fc.option(fc.record({ sid: fc.string() }), { nil: undefined }),
      }),
      fc.record({ type: fc.constant(PacketType.DISCONNECT), nsp: fc.constantFrom('/', '/io/demo/client') }),
      fc.record({
        type: fc.constant(PacketType.CONNECT_ERROR),
        nsp: fc.constantFrom('/', '/io/demo/client'),
        data: fc.oneof(fc.string(), fc.record({ message: fc.string() })),
      }),
    );
    let renamed = 0;
    const encoder = new Encoder();
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 6 }), (packets) => {
        const pieces = packets.flatMap((p) => encoder.encode(p as never) as unknown[]);
        renamed += expectSameAsStockButHello(pieces);
      }),
      params(30),
    );
    report('fuzz hello decoder (encoded packets)', { seed: SEED + 30, runs: RUNS, renamed });
    expect(renamed).toBeGreaterThan(0); // the property did meet hellos
  });

  it('on arbitrary packet-like strings (and stray binary pieces): identical, except a connect event renamed', () => {
    const typeChar = fc.constantFrom('0', '1', '2', '2', '2', '3', '4', '5', '6', '7', 'x', '');
    const attachments = fc.constantFrom('', '', '1-', '2-', '0-', 'x-', '-', '11-');
    const nsp = fc.constantFrom('', '', '/', '/io/demo/client,', '/a,', '/a,b,', '/x', ',');
    const id = fc.oneof(fc.constant(''), fc.constant(''), fc.nat({ max: 9999 }).map(String), fc.constantFrom(' ', '1 ', '\t', '007', '-1', '1.5', '1e2'));
    const json = fc.tuple(eventName, args).map(([n, a]) => JSON.stringify([n, ...a]));
    const payload = fc.oneof(
      json,
      // JSON spelled differently: whitespace, escapes, truncation, trailing junk
      json.map((s) => s.replace(/^\[/, '[ ')),
      json.map((s) => s.replace(/^\[/, '[\n\t')),
      json.map((s) => s.replace('"connect"', '"\\u0063onnect"')),
      fc.tuple(json, fc.nat()).map(([s, n]) => s.slice(0, n % (s.length + 1))),
      fc.tuple(json, fc.string({ maxLength: 3 })).map(([s, junk]) => s + junk),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 12 }),
    );
    const text = fc.tuple(typeChar, attachments, nsp, id, payload).map(([ty, at, ns, i, p]) => `${ty}${ty === '5' || ty === '6' ? at : ''}${ns}${i}${p}`);
    let renamed = 0;
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 6, arbitrary: text }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3 }).map((b) => Buffer.from(b)) }), {
          minLength: 1,
          maxLength: 6,
        }),
        (pieces) => {
          renamed += expectSameAsStockButHello(pieces);
        },
      ),
      params(31, scale(1000, 50_000)),
    );
    report('fuzz hello decoder (packet-like strings)', { seed: SEED + 31, runs: scale(1000, 50_000), renamed });
  });

  it.each([
    ['an escaped name', '2["\\u0063onnect",{"sid":"a"}]'],
    ['whitespace the stock parser reads as an ack id', '2 ["connect",{"sid":"a"}]'],
    ['an ack id with a trailing space', '2/io/demo/client,7 ["connect",{"sid":"a"}]'],
  ])('a connect event with %s is renamed like any other (%s)', (_what, packet) => {
    expect(expectSameAsStockButHello([packet])).toBe(1);
  });

  it('renameHello changes nothing but one `"connect"` of a text EVENT, and is idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .tuple(fc.constantFrom('2', '21', '2/io/a,', '2/io/a,7', '3', '5'), fc.string({ maxLength: 4 }), eventName)
            .map(([a, b, n]) => `${a}${b}${JSON.stringify([n])}`),
        ),
        (s) => {
          const r = renameHello(s);
          expect(renameHello(r)).toBe(r);
          if (r !== s) {
            expect(s.startsWith('2')).toBe(true);
            expect(r.replace(`"${HELLO_EVENT}"`, '"connect"')).toBe(s);
          }
        },
      ),
      params(32),
    );
  });
});

// ---------------------------------------------------------------------------------------------
/** One raw POST on a fresh connection; rejects when no answer comes within `ms`. */
function rawPost(url: string, path: string, body: Buffer, contentType: string | undefined, ms = 5000): Promise<{ status: number; text: string; ms: number }> {
  const u = new URL(url);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Length': body.length, Connection: 'close' };
    if (contentType !== undefined) headers['Content-Type'] = contentType;
    const req = http.request({ host: u.hostname, port: Number(u.port), method: 'POST', path, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - t0 });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer to POST ${path} within ${ms} ms`)), ms);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

const CERTIFY_PATH = '/api/rexsys/cgi/certificate/productkey';
const SEND_PATH = '/api/ide/io/send';

describe.each(PEERS)('fuzz: REST endpoints of the %s', (name, start) => {
  const strict = name === 'emulator'; // the python peer is the reference fixture: its 5xx are reported, not failed
  const runs = strict ? scale(300, 20_000) : scale(40, 2_000);
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await start();
    token = (await certifyKey(server.url, 'demo', 'KIOSK-KEY')).token;
  });
  afterAll(() => server.close());

  const headerSafe = fc.string({
    unit: fc.constantFrom(...' !#$%&\'*+-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~"'.split('')),
    maxLength: 40,
  });
  const contentType = fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=UTF-8',
      'text/plain',
      'text/plain;charset=UTF-8',
      'TEXT/PLAIN',
      'application/vnd.api+json',
      'application/json; charset=utf-16',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      '',
    ),
    fc.constant(undefined),
    headerSafe,
  );
  const jsonish = fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' });
  const fieldValue = (real: fc.Arbitrary<string>) => fc.oneof(real, fc.string({ maxLength: 10 }), jsonish);

  type Case = { kind: string; body: Buffer; contentType: string | undefined; valid: boolean };
  const caseFor = (path: string): fc.Arbitrary<Case> => {
    const shaped =
      path === CERTIFY_PATH
        ? fc.record(
            {
              project: fieldValue(fc.constantFrom('demo', 'nope')),
              productkey: fieldValue(fc.constantFrom('KIOSK-KEY', 'DISPLAY-KEY', 'NOPE')),
              projectkey: fieldValue(fc.constant('KIOSK-KEY')),
            },
            { requiredKeys: [] },
          )
        : fc.record(
            {
              token: fieldValue(fc.constantFrom(token, 'not-a-token')),
              project: fieldValue(fc.constantFrom('demo', 'other')),
              channel: fieldValue(fc.constantFrom('client', 'user')),
              sender: fieldValue(fc.constantFrom('kiosk-01')),
              receiver: fieldValue(fc.constantFrom('display-01', 'nobody')),
              command: fieldValue(fc.constantFrom('show')),
              data: fc.oneof(
                jsonish.map((v) => JSON.stringify(v)),
                jsonish,
              ),
            },
            { requiredKeys: [] },
          );
    // Well-formed payloads (a valid token half the time), so the 200 path is fuzzed too.
    const wellFormed =
      path === CERTIFY_PATH
        ? fc.record({
            project: fc.constantFrom('demo', 'nope', ''),
            productkey: fc.oneof(fc.constantFrom('KIOSK-KEY', 'DISPLAY-KEY'), fc.string({ maxLength: 8 })),
          })
        : fc.record({
            token: fc.constantFrom(token, 'not-a-token'),
            project: fc.constantFrom('demo', 'demo', 'other'),
            channel: fc.oneof(fc.constantFrom('client', 'user'), fc.string({ maxLength: 6 })),
            sender: fc.string({ maxLength: 8 }),
            receiver: fc.oneof(fc.constantFrom('display-01', 'nobody'), fc.string({ maxLength: 8, unit: 'grapheme' })),
            command: fc.string({ maxLength: 8, unit: 'grapheme' }),
            data: jsonish.map((v) => JSON.stringify(v)),
          });
    const encoded = fc.oneof(
      shaped.map((p) => encodeData(p)),
      wellFormed.map((p) => encodeData(p)),
      jsonish.map((v) => encodeData(v)),
      fc.string({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
    );
    const json = (kind: string, a: fc.Arbitrary<unknown>) =>
      fc.tuple(a, contentType).map(([v, ct]): Case => ({ kind, body: Buffer.from(JSON.stringify(v) ?? ''), contentType: ct, valid: false }));
    return fc.oneof(
      fc.tuple(fc.uint8Array({ maxLength: 300 }), contentType).map(([b, ct]): Case => ({ kind: 'bytes', body: Buffer.from(b), contentType: ct, valid: false })),
      json('json', jsonish),
      json(
        'json EncodeData',
        encoded.map((e) => ({ EncodeData: e })),
      ),
      json(
        'json EncodeData any',
        jsonish.map((e) => ({ EncodeData: e })),
      ),
      fc
        .tuple(encoded, contentType)
        .map(([e, ct]): Case => ({ kind: 'form EncodeData', body: Buffer.from(`EncodeData=${encodeURIComponent(e)}`), contentType: ct, valid: false })),
      fc.tuple(encoded, contentType).map(([e, ct]): Case => ({ kind: 'form raw', body: Buffer.from(`a=1&EncodeData=${e}&b`), contentType: ct, valid: false })),
      fc
        .tuple(fc.string({ unit: 'binary', maxLength: 60 }), contentType)
        .map(([s, ct]): Case => ({ kind: 'text', body: Buffer.from(s), contentType: ct, valid: false })),
    );
  };

  it.each([CERTIFY_PATH, SEND_PATH])(
    `%s answers any body with a 4xx JSON envelope or a 200, never a 5xx, never hangs`,
    async (path) => {
      const statuses: number[] = [];
      const kinds: string[] = [];
      const fiveXX: Array<{ kind: string; status: number; contentType: string | undefined; body: string; answer: string }> = [];
      let slowest = 0;
      await fc.assert(
        fc.asyncProperty(caseFor(path), async (c) => {
          const answer = await rawPost(server.url, path, c.body, c.contentType);
          statuses.push(answer.status);
          kinds.push(c.kind);
          slowest = Math.max(slowest, answer.ms);
          if (answer.status >= 500) {
            fiveXX.push({
              kind: c.kind,
              status: answer.status,
              contentType: c.contentType,
              body: c.body.toString('latin1').slice(0, 80),
              answer: answer.text.slice(0, 120),
            });
            if (strict) throw new Error(`HTTP ${answer.status} for a ${c.kind} body (${c.contentType ?? 'no content type'}): ${answer.text.slice(0, 200)}`);
            return;
          }
          expect(answer.status === 200 || (answer.status >= 400 && answer.status < 500)).toBe(true);
          const body = JSON.parse(answer.text) as { rexsys?: { server?: { status?: unknown } } };
          expect(typeof body.rexsys?.server?.status).toBe('string');
          if (answer.status === 200) expect(['success', 'fail']).toContain(body.rexsys!.server!.status);
        }),
        params(40 + (path === SEND_PATH ? 1 : 0), runs),
      );
      // Still serving: a valid certify works.
      const ok = await rawPost(
        server.url,
        CERTIFY_PATH,
        Buffer.from(`EncodeData=${encodeURIComponent(encodeData({ project: 'demo', productkey: 'KIOSK-KEY' }))}`),
        'application/x-www-form-urlencoded',
      );
      report(`fuzz REST ${name} ${path}`, {
        seed: SEED + 40 + (path === SEND_PATH ? 1 : 0),
        runs,
        statuses: Object.fromEntries(countBy(statuses, (s) => s)),
        kinds: Object.fromEntries(countBy(kinds, (k) => k)),
        slowestMs: slowest,
        fiveXX: fiveXX.length,
      });
      if (fiveXX.length > 0) report(`fuzz REST ${name} ${path} 5xx answers (the reference server; reported, not failed)`, { examples: fiveXX.slice(0, 4) });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.text).rexsys.server.status).toBe('success');
      expect(statuses.length).toBeGreaterThanOrEqual(runs);
    },
    scale(120_000, 1_800_000),
  );
});

// ---------------------------------------------------------------------------------------------
describe.each(PEERS)('fuzz: arbitrary touid payloads injected by the %s', (name, start) => {
  const runs = name === 'emulator' ? scale(40, 2_000) : scale(6, 200);
  let server: TestServer;
  let client: RexsysClient;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    client?.close();
    await waitFor(async () => (await server.sessions()).length === 0, { message: 'server still has sockets' }).finally(() => server.close());
  });

  it(
    'reports each bad payload on errors$ as a RexsysDecodeError, delivers the good ones in order, and messages$ never errors',
    async () => {
      const SENTINEL = `zz-sentinel-${SEED}`;
      client = createRexsysClient({ url: server.url, project: 'demo', productkey: 'DISPLAY-KEY', socket: { transports: ['websocket'] } });
      const messages = record(client.messages$);
      const sentinels = record(client.command$(SENTINEL, t.type({ b: t.number, i: t.number })));
      const errors = record(client.errors$);
      await untilStatus(client, 'ready');
      const binary = name === 'emulator'; // the python hook takes JSON only
      const touidLike = fc.record(
        {
          command: fc.oneof(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })),
          data: fc.oneof(
            fc.jsonValue({ maxDepth: 2 }),
            fc.jsonValue().map((v) => JSON.stringify(v)),
            fc.string({ maxLength: 12 }),
          ),
          sender: fc.oneof(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })),
          receiver: fc.string({ maxLength: 6 }),
          channel: fc.oneof(fc.constantFrom('client', 'user'), fc.jsonValue({ maxDepth: 1 })),
        },
        { requiredKeys: [] },
      );
      const payload = binary
        ? fc.oneof(
            touidLike,
            fc.jsonValue({ maxDepth: 3 }),
            fc.uint8Array({ maxLength: 8 }),
            fc.record({ command: fc.string(), data: fc.uint8Array({ maxLength: 8 }) }),
          )
        : fc.oneof(touidLike, fc.jsonValue({ maxDepth: 3 }));
      let batch = 0;
      const tally = { payloads: 0, delivered: 0, decodeErrors: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(payload, { minLength: 1, maxLength: 12 }), async (payloads) => {
          const b = batch++;
          const m0 = messages.values.length;
          const e0 = errors.values.length;
          for (let i = 0; i < payloads.length; i++) {
            await server.inject('display-01', payloads[i]);
            await server.inject('display-01', { command: SENTINEL, data: { b, i } });
          }
          const mine = () => sentinels.values.filter((m) => m.data.b === b);
          await waitFor(() => mine().length === payloads.length, { timeout: 5000, message: `the ${payloads.length} sentinels of batch ${b}` });
          const delivered = messages.values.slice(m0).filter((m) => m.command !== SENTINEL);
          const decodeErrors = errors.values.slice(e0);
          tally.payloads += payloads.length;
          tally.delivered += delivered.length;
          tally.decodeErrors += decodeErrors.length;
          // Each payload became exactly one message or one decode error; the good ones kept flowing, in order.
          expect(mine().map((m) => m.data.i)).toEqual(payloads.map((_, i) => i));
          expect(delivered.length + decodeErrors.length).toBe(payloads.length);
          expect(decodeErrors.every((e) => e instanceof RexsysDecodeError && e.code === 'E_DECODE' && e.source === 'touid')).toBe(true);
          expect(messages.errors).toEqual([]);
          expect(messages.completed).toBe(false);
        }),
        params(50, runs),
      );
      report(`fuzz touid ${name}`, { seed: SEED + 50, runs, ...tally, state: client.state.status });
      expect(tally.decodeErrors).toBeGreaterThan(0);
      expect(tally.delivered).toBeGreaterThan(0);
      expect(client.state.status).toBe('ready');
      [messages, sentinels, errors].forEach((r) => r.sub.unsubscribe());
    },
    scale(60_000, 900_000),
  );
});
