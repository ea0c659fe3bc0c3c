import * as E from './either.js';
import { RexsysEncodingError } from '../errors.js';

/**
 * EncodeData, the field every Rexsys REST call carries:
 * `base64(encodeURIComponent(JSON.stringify(payload)))`.
 *
 * **This is an encoding, not encryption.** Anyone who sees the text can read the
 * payload (and any token in it). Use HTTPS.
 *
 * Works the same in browsers and Node: it uses the global `btoa`/`atob`, never
 * `Buffer`. `encodeURIComponent` turns every non-ASCII character into `%XX` first,
 * so the base64 step only ever sees ASCII.
 *
 * @example
 * ```ts
 * const text = encodeData({ project: 'acme', productkey: 'KIOSK-KEY' });
 * decodeData(text); // { project: 'acme', productkey: 'KIOSK-KEY' }
 * ```
 */
export function encodeData(payload: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (cause) {
    // A BigInt, a circular structure or a throwing toJSON: not a raw TypeError (every error is a RexsysError).
    throw new RexsysEncodingError(`EncodeData needs a JSON value: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (json === undefined) {
    throw new RexsysEncodingError('EncodeData needs a JSON value; got undefined or a function.');
  }
  return btoa(encodeURIComponent(json));
}

const preview = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

/**
 * Reverses {@link encodeData}, returning an `Either` (io-ts style): `Left` with a
 * {@link RexsysEncodingError} for text that is not base64, has bad `%`-escapes, or is
 * not JSON. Never throws.
 */
export function decodeDataEither(text: string): E.Either<RexsysEncodingError, unknown> {
  if (typeof text !== 'string') {
    return E.left(new RexsysEncodingError(`EncodeData must be a string, got ${typeof text}.`));
  }
  let uri: string;
  try {
    uri = atob(text);
  } catch (cause) {
    return E.left(new RexsysEncodingError('EncodeData is not valid base64.', { input: preview(text), cause }));
  }
  let json: string;
  try {
    json = decodeURIComponent(uri);
  } catch (cause) {
    return E.left(new RexsysEncodingError('EncodeData holds a malformed %-escape after base64 decoding.', { input: preview(text), cause }));
  }
  try {
    return E.right(JSON.parse(json) as unknown);
  } catch (cause) {
    return E.left(new RexsysEncodingError('EncodeData does not hold JSON.', { input: preview(text), cause }));
  }
}

/**
 * Reverses {@link encodeData}. Throws a {@link RexsysEncodingError} (code
 * `E_ENCODE_DATA`) for bad input, never a raw `URIError`, `SyntaxError` or
 * `DOMException`. See {@link decodeDataEither} for a version that does not throw.
 *
 * Some server answers carry `result.EncodeData`: base64 of plain ASCII JSON (non-ASCII
 * as `\uXXXX`), without the URI step. `decodeData` reads those too as long as the JSON
 * holds no `%` (the URI step leaves such text unchanged).
 */
export function decodeData(text: string): unknown {
  const result = decodeDataEither(text);
  if (E.isLeft(result)) throw result.left;
  return result.right;
}
