/**
 * The secrets a client holds (productkeys, tokens it was given or certified) and the one
 * place that removes them from anything the library shows: error messages, `reply`,
 * `body`, `raw`, `state.lastError` and the CLI's lines.
 *
 * The credential layer registers each secret as soon as it knows it
 * ({@link registerSecret}); everything that builds an error from what a server said
 * passes it through {@link scrubText}, {@link scrub} or {@link scrubError}. A secret is
 * found however the server spells it: as plain text (any case, or %-encoded), inside an
 * EncodeData string (base64, possibly %-encoded itself, possibly cut short) whose decoded
 * text holds it or a `token`/`productkey` field, and as the value of a key named like a
 * secret (`token`, `productkey`, `password`…), at any depth, in cyclic values too.
 *
 * EncodeData is an encoding, not encryption: a server that echoes a request echoes the
 * token in a form anyone can read, which is why such text is removed whole.
 */

/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]';

/** Keys whose values are secrets whatever they hold. */
const SECRET_KEY = /^(?:token|access_?token|refresh_?token|productkey|projectkey|product_key|password|passwd|secret|authorization|auth)$/i;

/** Secrets shorter than this are not registered (they would match ordinary words). */
const MIN_LENGTH = 4;

/** Registered secrets are capped; the oldest (long expired tokens) go first. */
const MAX_SECRETS = 1024;

/**
 * A run of base64 text, possibly %-encoded (`%2B`, `%2F`, `%3D` as a form body carries
 * it), long enough to hold a field of JSON.
 */
const BASE64_RUN = /(?:[A-Za-z0-9+/]|%2[BbFf]){16,}(?:=|%3[Dd]){0,2}/g;

/** Decoded EncodeData that names a secret field: removed even if the secret itself was cut off. */
const SECRET_FIELD = /"(?:token|access_?token|productkey|projectkey|password|secret)"\s*:/i;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Decodes %-escapes where they are valid, leaving the rest (and cut-off escapes) as they are. */
function lenientUnescape(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m);
    } catch {
      return m;
    }
  });
}

/** The text a base64 run holds (from `offset`), as far as it decodes; undefined when it does not. */
function decodeBase64Prefix(run: string, offset: number): string | undefined {
  const body = run.slice(offset).replace(/=+$/, '');
  const whole = body.slice(0, body.length - (body.length % 4));
  if (whole.length < 8) return undefined;
  try {
    return atob(whole);
  } catch {
    return undefined;
  }
}

/** A set of secrets and the functions that remove them. The library uses the shared {@link secrets}. */
export class SecretSet {
  private readonly known = new Set<string>();
  private pattern: RegExp | undefined;

  /** Remembers `secret` (ignored when empty or shorter than 4 characters). */
  add(secret: unknown): void {
    if (typeof secret !== 'string' || secret.length < MIN_LENGTH || this.known.has(secret)) return;
    this.known.add(secret);
    if (this.known.size > MAX_SECRETS) this.known.delete(this.known.values().next().value as string);
    this.pattern = undefined;
  }

  /** True when `secret` is registered. */
  has(secret: string): boolean {
    return this.known.has(secret);
  }

  /** How many secrets are registered. */
  get size(): number {
    return this.known.size;
  }

  /** Forgets every secret (tests). */
  clear(): void {
    this.known.clear();
    this.pattern = undefined;
  }

  /** One case-insensitive pattern for every secret, plain and %-encoded, longest first. */
  private matcher(): RegExp | undefined {
    if (this.known.size === 0) return undefined;
    if (!this.pattern) {
      const forms = new Set<string>();
      for (const s of this.known) {
        forms.add(s);
        forms.add(encodeURIComponent(s));
        forms.add(JSON.stringify(s).slice(1, -1));
      }
      const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(alternatives.join('|'), 'gi');
    }
    return this.pattern;
  }

  /** True when `text` holds a registered secret (plain or %-encoded). */
  private holdsSecret(text: string): boolean {
    const re = this.matcher();
    if (!re) return false;
    re.lastIndex = 0;
    const found = re.test(text);
    re.lastIndex = 0;
    return found;
  }

  /** True when a base64 run decodes (at any alignment, possibly cut short) to text holding a secret or a secret field. */
  private encodesSecret(run: string): boolean {
    const plain = lenientUnescape(run);
    for (let offset = 0; offset < 4; offset++) {
      const decoded = decodeBase64Prefix(plain, offset);
      if (decoded === undefined) continue;
      // EncodeData is base64 of %-encoded JSON; `result.EncodeData` is base64 of plain JSON.
      const text = lenientUnescape(decoded);
      if (SECRET_FIELD.test(text) || this.holdsSecret(text) || this.holdsSecret(decoded)) return true;
    }
    return false;
  }

  /**
   * `text` with every registered secret (plain, any case, %-encoded) and every
   * EncodeData-like run that decodes to one (or to a `token`/`productkey` field)
   * replaced by `[redacted]`.
   */
  scrubText(text: string): string {
    if (typeof text !== 'string' || text === '') return text;
    let out = text.replace(BASE64_RUN, (run) => (this.encodesSecret(run) ? REDACTED : run));
    const re = this.matcher();
    if (re) out = out.replace(re, REDACTED);
    return out;
  }

  /**
   * A copy of `value` with every secret removed: strings through {@link scrubText},
   * values of secret-named keys (`token`, `productkey`…) replaced, keys scrubbed too.
   * Any depth (no recursion, so no stack limit), cycles kept as cycles. Arrays and plain
   * objects are copied; an Error becomes `{ name, message }`; other objects are kept.
   */
  scrub<T>(value: T): T;
  scrub(value: unknown): unknown {
    const copies = new Map<object, unknown>();
    const copyOf = (v: unknown): unknown => {
      if (typeof v === 'string') return this.scrubText(v);
      if (typeof v !== 'object' || v === null) return v;
      const seen = copies.get(v);
      if (seen !== undefined) return seen;
      if (v instanceof Error) {
        const e = { name: v.name, message: this.scrubText(v.message) };
        copies.set(v, e);
        return e;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (Array.isArray(v)) {
        const out: unknown[] = new Array<unknown>(v.length);
        copies.set(v, out);
        work.push([v, out]);
        return out;
      }
      if (proto === Object.prototype || proto === null) {
        const out: Record<string, unknown> = {};
        copies.set(v, out);
        work.push([v, out]);
        return out;
      }
      return v;
    };
    const work: Array<[object, unknown[] | Record<string, unknown>]> = [];
    const root = copyOf(value);
    while (work.length > 0) {
      const [source, target] = work.pop() as [object, unknown[] | Record<string, unknown>];
      if (Array.isArray(target)) {
        const items = source as unknown[];
        for (let i = 0; i < items.length; i++) target[i] = copyOf(items[i]);
        continue;
      }
      for (const [k, v] of Object.entries(source)) {
        const key = this.scrubText(k);
        target[key] = SECRET_KEY.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : copyOf(v);
      }
    }
    return root;
  }

  /**
   * Scrubs an error in place and returns it: its message, every own enumerable field
   * (`reply`, `body`, `raw`, `issues`…), and its `cause` (replaced by a plain Error with
   * the scrubbed message and code: an HTTP library's error holds the request body).
   */
  scrubError<E>(error: E): E {
    if (!(error instanceof Error)) return this.scrub(error);
    const target = error as unknown as Record<string, unknown>;
    const set = (key: string, value: unknown) => {
      const d = Object.getOwnPropertyDescriptor(error, key);
      Object.defineProperty(error, key, { value, enumerable: d?.enumerable ?? false, writable: true, configurable: true });
    };
    set('message', this.scrubText(error.message));
    if (typeof error.stack === 'string') set('stack', this.scrubText(error.stack));
    for (const key of Object.keys(error)) set(key, this.scrub(target[key]));
    if ('cause' in error && error.cause !== undefined) set('cause', safeCause(error.cause, this));
    return error;
  }
}

/** A plain Error standing for `cause`: its name, scrubbed message and string `code` only. */
function safeCause(cause: unknown, set: SecretSet): unknown {
  if (!(cause instanceof Error)) return set.scrub(cause);
  if (cause.constructor === Error && Object.keys(cause).length === 0) {
    return set.scrubError(cause);
  }
  const plain = new Error(set.scrubText(cause.message));
  plain.name = cause.name;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(plain, { code });
  return plain;
}

/**
 * The secrets of every client in this process (credential layer, REST, CLI). Kept on
 * `globalThis`, so an app that loads both the CommonJS and the ES build shares one set.
 */
export const secrets: SecretSet = ((globalThis as { [key: symbol]: unknown })[Symbol.for('rexsys-rx/secrets')] ??= new SecretSet()) as SecretSet;

/** Registers a secret (a productkey or token) so it never shows in anything the library reports. */
export const registerSecret = (secret: unknown): void => secrets.add(secret);

/** `text` without any registered secret (see {@link SecretSet.scrubText}). */
export const scrubText = (text: string): string => secrets.scrubText(text);

/** A copy of `value` without any secret, at any depth (see {@link SecretSet.scrub}). */
export const scrub = <T>(value: T): T => secrets.scrub(value);

/** Scrubs an error in place (message, fields, cause) and returns it (see {@link SecretSet.scrubError}). */
export const scrubError = <E>(error: E): E => secrets.scrubError(error);
