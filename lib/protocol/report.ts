import * as t from 'io-ts';
import * as E from './either.js';
import { RexsysDecodeError, type DecodeIssue } from '../errors.js';

const MAX_ACTUAL_CHARS = 120;

/** Turns io-ts validation errors into structured issues: path, expected, actual. */
export function toIssues(errors: t.Errors): DecodeIssue[] {
  return errors.map((error) => {
    // io-ts puts intersection/union member indexes in the context; keep only real keys.
    const path = error.context
      .slice(1)
      .filter((c, i) => c.key !== '' && !(isMemberIndex(c.key) && isCombinator(error.context[i].type)))
      .map((c) => c.key)
      .join('.');
    const last = error.context[error.context.length - 1];
    return {
      path,
      expected: last?.type.name ?? 'unknown',
      actual: error.value,
      ...(error.message ? { message: error.message } : {}),
    };
  });
}

function isMemberIndex(key: string): boolean {
  return /^\d+$/.test(key);
}

function isCombinator(type: t.Decoder<unknown, unknown>): boolean {
  return type instanceof t.IntersectionType || type instanceof t.UnionType;
}

function show(value: unknown): string {
  let text: string;
  try {
    // JSON.stringify gives undefined for a function or a symbol: show what String() says of it.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only reached for values JSON cannot show
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    try {
      text = String(value);
    } catch {
      text = Object.prototype.toString.call(value); // e.g. a null-prototype object
    }
  }
  return text.length > MAX_ACTUAL_CHARS ? `${text.slice(0, MAX_ACTUAL_CHARS)}…` : text;
}

/** One readable line per issue: `at data.items.0.id: expected number, got "x"`. */
export function formatIssues(issues: readonly DecodeIssue[]): string {
  return issues.map((i) => `at ${i.path || '(root)'}: expected ${i.expected}, got ${show(i.actual)}${i.message ? ` (${i.message})` : ''}`).join('; ');
}

/**
 * Decodes `value` with `codec`, returning `Right` with the decoded value or `Left` with a
 * {@link RexsysDecodeError} holding the raw value and a readable report. Never throws.
 */
export function decodeWith<A, O>(
  codec: t.Type<A, O, unknown>,
  value: unknown,
  /** Where the value came from, for the error; a function is called only when there is an error. */
  from?: string | (() => string),
  /** What to keep as the error's `raw` payload. @default value */
  raw: unknown = value,
): E.Either<RexsysDecodeError, A> {
  const result = codec.decode(value);
  if (E.isRight(result)) return result;
  const issues = toIssues(result.left);
  const source = typeof from === 'function' ? from() : from;
  const what = source ? `${source} payload` : 'Payload';
  return E.left(new RexsysDecodeError(`${what} does not match ${codec.name}: ${formatIssues(issues)}`, { issues, raw, source }));
}
