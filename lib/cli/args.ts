/**
 * The CLI's argv parsing: Node's `util.parseArgs` (Node >= 20) for `--name value`,
 * `--name=value`, boolean switches, one-letter aliases (`-h`) and `--`; on top of it only
 * the environment fallbacks ({@link withEnv}) and usage errors with a "did you mean" hint
 * (exit code 2).
 */
import { parseArgs as nodeParseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** How one option is written and documented. */
export interface FlagSpec {
  /** `string` takes a value; `boolean` is a switch. */
  readonly type: 'string' | 'boolean';
  /** A one-letter alias, without the dash (`'h'` for `-h`). */
  readonly short?: string;
  /** The value's name in help, e.g. `URL`. */
  readonly value?: string;
  /** One line for `--help`. */
  readonly description: string;
  /** An environment variable that stands in for the option when it is absent. */
  readonly env?: string;
  /** The default, as shown in help (the command applies it). */
  readonly default?: string;
}

/** Option name (without `--`) → its spec. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed values: strings for `string` options, booleans for switches. */
export type ParsedFlags<S extends FlagSpecs> = {
  -readonly [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

/** What {@link parseArgs} returns. */
export interface ParsedArgs<S extends FlagSpecs> {
  readonly flags: ParsedFlags<S>;
  /** Arguments that are not options (only when allowed). */
  readonly positionals: string[];
}

/** Options of {@link parseArgs}. */
export interface ParseOptions {
  /** Whether bare arguments are allowed. @default false */
  readonly positionals?: boolean;
  /** The command, named in error hints. */
  readonly command?: string;
}

/** Edit distance counting a swap of two neighbours as one edit (`sned` → `send` is 1). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known option closest to `name`, when it is close enough to be a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * Parses `argv` against `specs` with Node's `util.parseArgs` (its tokens), adding only
 * what it does not do: a "did you mean" hint for an unknown option, and one
 * {@link UsageError} (exit code 2) for a missing value, a value given to a switch, an
 * option given twice, or a bare argument where none is allowed. A value that starts with
 * `--` must be attached: `--data=--x`; one that starts with a single dash (`-1`, `-`) is
 * taken as it is.
 *
 * @example
 * ```ts
 * const { flags } = parseArgs(['--to', 'display-01', '-h'], {
 *   to: { type: 'string', description: 'receiver' },
 *   help: { type: 'boolean', short: 'h', description: 'help' },
 * });
 * flags.to;   // 'display-01'
 * flags.help; // true
 * ```
 */
export function parseArgs<S extends FlagSpecs>(argv: readonly string[], specs: S, options: ParseOptions = {}): ParsedArgs<S> {
  const { command } = options;
  const known = (name: string) => Object.prototype.hasOwnProperty.call(specs, name);
  const nodeOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) nodeOptions[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  const { tokens } = nodeParseArgs({ args: [...argv], options: nodeOptions, strict: false, allowPositionals: true, tokens: true });

  const flags: Record<string, string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) flags[name] = spec.type === 'boolean' ? false : undefined;
  const positionals: string[] = [];
  const seen = new Set<string>();
  const unknown = (written: string): UsageError => {
    const guess = closest(written.replace(/^-+/, ''), Object.keys(specs));
    return new UsageError(`unknown option ${written}${guess ? ` (did you mean --${guess}?)` : ''}`, command);
  };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const raw = argv[token.index];
    if (/^-\d/.test(raw)) {
      // A negative number where an argument goes: a positional, as before.
      positionals.push(raw);
      while (tokens[i + 1]?.index === token.index) i++;
      continue;
    }
    // `-abc` is one token per letter; we have no grouped switches, so it is one unknown option.
    if (!raw.startsWith('--') && raw.length > 2) throw unknown(raw.split('=')[0]);
    if (!known(token.name)) throw unknown(token.rawName);
    const name = token.name;
    const spec = specs[name];
    if (seen.has(name)) throw new UsageError(`option --${name} was given more than once`, command);
    seen.add(name);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`option --${name} takes no value (got "${token.value}")`, command);
      flags[name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith('--') && value.length > 2)) {
      throw new UsageError(`option --${name} needs a value${spec.value ? ` (${spec.value})` : ''}`, command);
    }
    flags[name] = value;
  }

  if (!options.positionals && positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}"`, command);
  }
  return { flags: flags as ParsedFlags<S>, positionals };
}

/**
 * The value of an option, else of its environment variable (an empty variable counts
 * as unset), else undefined.
 */
export function withEnv(value: string | undefined, spec: FlagSpec, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (value !== undefined) return value;
  const fromEnv = spec.env ? env[spec.env] : undefined;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** Parses a whole number option within `[min, max]`; a {@link UsageError} otherwise. */
export function integerOption(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER, command?: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new UsageError(`option --${name} must be a whole number ${range} (got "${value}")`, command);
  }
  return n;
}

/** Checks a value against a fixed set of words; a {@link UsageError} otherwise. */
export function choiceOption<T extends string>(name: string, value: string, choices: readonly T[], command?: string): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`option --${name} must be one of ${choices.join(', ')} (got "${value}")`, command);
}
