/**
 * Reading a REST request body and getting its EncodeData payload out, in the three
 * formats clients send: form (`EncodeData=…`), JSON (`{"EncodeData": "…"}`) and that
 * JSON as `text/plain`. Every failure is a readable message, never a throw.
 */
import type { IncomingMessage } from 'node:http';
import * as E from '../protocol/either.js';
import type * as t from 'io-ts';
import { decodeDataEither } from '../protocol/encode-data.js';
import { formatIssues, toIssues } from '../protocol/report.js';

/** The body as text, or `tooLarge` when it passed `limit` bytes (the rest is drained, not kept). */
export type BodyRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly tooLarge: true; readonly size: number };

/** Reads the whole body, keeping at most `limit` bytes. Resolves on `end`; rejects on a stream error. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(tooLarge ? { ok: false, tooLarge: true, size } : { ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
    // A client that goes away mid-body: 'end' never comes (settling after 'end' is a no-op).
    req.on('close', () => reject(new Error('The client closed the request before its body ended.')));
  });
}

/** Gets the `EncodeData` text out of a body according to its content type. */
export function extractEncodeData(text: string, contentType: string | undefined): E.Either<string, string> {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const trimmed = text.trim();
  if (trimmed === '') return E.left('The request body is empty; expected an EncodeData field.');
  // JSON for application/json; for text/plain or no type, JSON when it looks like JSON.
  const asJson = type === 'application/json' || type.endsWith('+json') || ((type === 'text/plain' || type === '') && trimmed.startsWith('{'));
  if (asJson) {
    let body: unknown;
    try {
      body = JSON.parse(trimmed);
    } catch {
      return E.left('The request body is not valid JSON; expected {"EncodeData": "..."}.');
    }
    const field = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).EncodeData : undefined;
    if (typeof field !== 'string') return E.left('The JSON request body has no EncodeData string field; expected {"EncodeData": "..."}.');
    return E.right(field);
  }
  if (type === 'application/x-www-form-urlencoded' || type === 'text/plain' || type === '') {
    const field = new URLSearchParams(trimmed).get('EncodeData');
    if (field === null) return E.left('The form request body has no EncodeData field; expected EncodeData=...');
    // A `+` the client left unescaped arrives as a space; base64 never holds spaces.
    return E.right(field.replace(/ /g, '+'));
  }
  return E.left(`Unsupported content type "${type}"; send application/x-www-form-urlencoded, application/json or text/plain.`);
}

/**
 * Decodes EncodeData text and checks it with `codec`. The failure message lists what
 * was wrong without ever echoing a `token` value.
 */
export function decodePayload<A, O>(encoded: string, codec: t.Type<A, O, unknown>, prepare: (u: unknown) => unknown = (u) => u): E.Either<string, A> {
  const raw = decodeDataEither(encoded);
  if (E.isLeft(raw)) return E.left(raw.left.message);
  const value = prepare(raw.right);
  const result = codec.decode(value);
  if (E.isRight(result)) return result;
  const issues = toIssues(result.left).map((issue) => (/(^|\.)token$/.test(issue.path) ? { ...issue, actual: '[redacted]' } : issue));
  return E.left(`EncodeData does not hold a ${codec.name}: ${formatIssues(issues)}`);
}
