import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { RexsysEncodingError, RexsysError } from '../../lib/errors.js';
import { decodeData, decodeDataEither, encodeData } from '../../lib/protocol/encode-data.js';

/** Reference encoder, Node-only (the library never uses Buffer). Test-side only. */
const referenceEncode = (v: unknown) => Buffer.from(encodeURIComponent(JSON.stringify(v)), 'ascii').toString('base64');
/** What a value looks like after a JSON round trip (-0 becomes 0, and so on). */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const PURE_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strings made of the characters EncodeData has to survive. */
const trickyString = fc.string({
  unit: fc.constantFrom(
    '한',
    '국',
    '어',
    '가',
    '😀',
    '👋🏽',
    '🇰🇷',
    '%',
    '%25',
    '%E0',
    '+',
    '/',
    '=',
    '&',
    '?',
    '#',
    ' ',
    '"',
    '\\',
    '\n',
    '\u0000',
    '\u2028',
    '\ud800',
    '\udfff',
    'a',
    'Z',
    '9',
    '~',
  ),
  maxLength: 30,
});

const trickyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    trickyString,
    fc.constant(''),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(trickyString, tie('value'), { maxKeys: 5 }),
  ),
})).value;

function expectEncodingError(run: () => unknown): RexsysEncodingError {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RexsysEncodingError);
  expect(caught).toBeInstanceOf(RexsysError);
  const err = caught as RexsysEncodingError;
  expect(err.code).toBe('E_ENCODE_DATA');
  expect(err.name).toBe('RexsysEncodingError');
  return err;
}

describe('encodeData / decodeData round trips', () => {
  it('every JSON value (fc.jsonValue, ASCII and full-Unicode strings) survives, as pure base64 equal to the reference', () => {
    for (const stringUnit of [undefined, 'grapheme', 'binary'] as const) {
      fc.assert(
        fc.property(fc.jsonValue(stringUnit ? { stringUnit } : {}), (value) => {
          const text = encodeData(value);
          expect(text).toMatch(PURE_BASE64);
          expect(text).toBe(referenceEncode(value));
          expect(decodeData(text)).toEqual(viaJson(value));
          const either = decodeDataEither(text);
          expect(E.isRight(either) && either.right).toEqual(viaJson(value));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('Korean, emoji, surrogate pairs, lone surrogates, %, +, /, =, empty strings survive', () => {
    fc.assert(
      fc.property(trickyJson, (value) => {
        const text = encodeData(value);
        expect(text).toMatch(PURE_BASE64);
        expect(decodeData(text)).toEqual(viaJson(value));
      }),
      { numRuns: 500 },
    );
  });

  it('strings as object keys and values, and the empty string, survive', () => {
    fc.assert(
      fc.property(trickyString, trickyString, (k, v) => {
        expect(decodeData(encodeData({ [k]: v, '': '', list: [v, ''] }))).toEqual({ [k]: v, '': '', list: [v, ''] });
      }),
    );
    expect(decodeData(encodeData(''))).toBe('');
  });

  it('deep nesting (500 levels of arrays and objects) survives', () => {
    let value: unknown = '바닥 🧱';
    for (let i = 0; i < 500; i++) value = i % 2 ? [value] : { ['층' + i]: value };
    expect(decodeData(encodeData(value))).toEqual(value);
  });

  it('matches known vectors (computed with Buffer and encodeURIComponent)', () => {
    const vectors: Array<[unknown, string]> = [
      [{ project: 'acme', productkey: 'KIOSK-KEY' }, 'JTdCJTIycHJvamVjdCUyMiUzQSUyMmFjbWUlMjIlMkMlMjJwcm9kdWN0a2V5JTIyJTNBJTIyS0lPU0stS0VZJTIyJTdE'],
      ['가', 'JTIyJUVBJUIwJTgwJTIy'],
      [{ text: '안녕 👋 %+/=' }, 'JTdCJTIydGV4dCUyMiUzQSUyMiVFQyU5NSU4OCVFQiU4NSU5NSUyMCVGMCU5RiU5MSU4QiUyMCUyNSUyQiUyRiUzRCUyMiU3RA=='],
      [[], 'JTVCJTVE'],
      ['', 'JTIyJTIy'],
      [0, 'MA=='],
      [null, 'bnVsbA=='],
      [true, 'dHJ1ZQ=='],
    ];
    for (const [value, text] of vectors) {
      expect(encodeData(value)).toBe(text);
      expect(referenceEncode(value)).toBe(text);
      expect(decodeData(text)).toEqual(value);
    }
  });

  it('reads result.EncodeData: base64 of plain ASCII JSON with \\uXXXX escapes (no URI step)', () => {
    expect(decodeData('eyJhIjoiXHVhYzAwIn0=')).toEqual({ a: '가' }); // {"a":"\uac00"}
    expect(decodeData(Buffer.from('{"status": "ok", "n": [1, 2]}').toString('base64'))).toEqual({ status: 'ok', n: [1, 2] });
  });

  it('refuses values JSON cannot hold with a RexsysEncodingError, never a raw TypeError', () => {
    expectEncodingError(() => encodeData(undefined));
    expectEncodingError(() => encodeData(() => 1));
    expectEncodingError(() => encodeData(Symbol('x')));
    expectEncodingError(() => encodeData(10n));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const err = expectEncodingError(() => encodeData(circular));
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(TypeError);
  });
});

describe('decodeData on bad input', () => {
  const cases: Array<{ what: string; text: string; message: RegExp; cause: string }> = [
    { what: 'not base64 (characters)', text: '!!!not base64!!!', message: /base64/, cause: 'InvalidCharacterError' },
    { what: 'not base64 (length)', text: 'abcde', message: /base64/, cause: 'InvalidCharacterError' },
    { what: 'a truncated %-escape', text: btoa('%E0%A4%A'), message: /%-escape/, cause: 'URIError' },
    { what: 'an invalid %-escape', text: btoa('%zz'), message: /%-escape/, cause: 'URIError' },
    { what: 'an escape of invalid UTF-8', text: btoa('%C3%28'), message: /%-escape/, cause: 'URIError' },
    { what: 'not JSON', text: btoa('not json'), message: /JSON/, cause: 'SyntaxError' },
    { what: 'empty text', text: '', message: /JSON/, cause: 'SyntaxError' },
    { what: 'truncated JSON', text: btoa('%7B%22a%22'), message: /JSON/, cause: 'SyntaxError' },
  ];

  it.each(cases)('$what -> RexsysEncodingError E_ENCODE_DATA (its cause: the raw $cause)', ({ text, message, cause }) => {
    const err = expectEncodingError(() => decodeData(text));
    expect(err.message).toMatch(message);
    expect(err.input).toBe(text);
    expect(((err as { cause?: unknown }).cause as Error).name).toBe(cause);
    const either = decodeDataEither(text);
    expect(E.isLeft(either) && either.left).toBeInstanceOf(RexsysEncodingError);
  });

  it('a non-string is refused, not thrown', () => {
    for (const v of [undefined, null, 42, {}, ['x']]) {
      const either = decodeDataEither(v as string);
      expect(E.isLeft(either) && either.left.code).toBe('E_ENCODE_DATA');
      expectEncodingError(() => decodeData(v as string));
    }
  });

  it('keeps at most 200 characters of the input on the error', () => {
    const err = expectEncodingError(() => decodeData('!'.repeat(5000)));
    expect(err.input.length).toBeLessThanOrEqual(201);
    expect(err.message.length).toBeLessThan(200);
  });

  it('property: for any string, decodeDataEither never throws and decodeData throws only RexsysEncodingError', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.base64String(),
      trickyString,
      // Valid base64 of arbitrary Latin-1 text: reaches the %-decoding and JSON steps.
      fc.string({ unit: fc.constantFrom('%', 'E0', 'A4', 'zz', '2', '{', '}', '"', '[', ']', 'a', '1', ',', ':', '\u00e9', '\u00ff') }).map((s) => btoa(s)),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        let either: E.Either<RexsysEncodingError, unknown> | undefined;
        expect(() => (either = decodeDataEither(text))).not.toThrow();
        let thrown: unknown;
        let value: unknown;
        try {
          value = decodeData(text);
        } catch (e) {
          thrown = e;
        }
        if (E.isLeft(either!)) {
          expect(thrown).toBeInstanceOf(RexsysEncodingError);
          expect((thrown as RexsysEncodingError).code).toBe('E_ENCODE_DATA');
        } else {
          expect(thrown).toBeUndefined();
          expect(value).toEqual(either!.right);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: valid base64 decodes exactly when the reference (Buffer, decodeURIComponent, JSON.parse) does', () => {
    const reference = (text: string): { ok: true; value: unknown } | { ok: false } => {
      try {
        return { ok: true, value: JSON.parse(decodeURIComponent(Buffer.from(text, 'base64').toString('latin1'))) };
      } catch {
        return { ok: false };
      }
    };
    const latin1 = fc.string({ unit: fc.constantFrom('%', 'E', 'A', '0', '4', '2', 'C', '7', 'B', 'D', '"', '{', '}', 'a', ':', '\u00e9') });
    fc.assert(
      fc.property(latin1, (raw) => {
        const text = btoa(raw);
        const ref = reference(text);
        const either = decodeDataEither(text);
        expect(E.isRight(either)).toBe(ref.ok);
        if (ref.ok && E.isRight(either)) expect(either.right).toEqual(ref.value);
      }),
      { numRuns: 1000 },
    );
  });
});
