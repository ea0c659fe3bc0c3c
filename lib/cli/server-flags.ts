/**
 * The options every command shares (`--url`, `--project`, `--productkey`, `--help`),
 * their environment variables, and their checks.
 */
import { withEnv, type FlagSpecs } from './args.js';
import { UsageError } from './errors.js';

/** `-h`/`--help`, on every command. */
export const HELP_FLAG = {
  help: { type: 'boolean', short: 'h', description: 'Show this help and exit' },
} as const satisfies FlagSpecs;

/** The server a client command talks to, and who it is. */
export const SERVER_FLAGS = {
  url: { type: 'string', value: 'URL', env: 'REXSYS_URL', description: 'Origin of the Rexsys server (REST and socket), e.g. http://127.0.0.1:4100' },
  project: { type: 'string', value: 'CODE', env: 'REXSYS_PROJECT', description: 'Project code' },
  productkey: { type: 'string', value: 'KEY', env: 'REXSYS_PRODUCTKEY', description: "This client's productkey (from the Rexsys admin pages)" },
} as const satisfies FlagSpecs;

/** The resolved server options. */
export interface ServerTarget {
  readonly url: string;
  readonly project: string;
  readonly productkey: string;
}

/**
 * Checks that `value` is an absolute http(s) URL; returns it without a trailing slash.
 * A {@link UsageError} otherwise.
 */
export function checkUrl(value: string, command: string, flag = 'url'): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`--${flag} "${value}" is not a URL; expected an origin such as http://127.0.0.1:4100`, command);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--${flag} "${value}" must start with http:// or https://`, command);
  }
  if (parsed.username || parsed.password) throw new UsageError(`--${flag} must not carry a user name or password`, command);
  return value.replace(/\/+$/, '');
}

/**
 * `--url`, `--project` and `--productkey` from the options or, when absent, from
 * `REXSYS_URL`, `REXSYS_PROJECT` and `REXSYS_PRODUCTKEY`. Every missing one is named in
 * one {@link UsageError}.
 */
export function serverTarget(
  flags: { readonly url?: string; readonly project?: string; readonly productkey?: string },
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): ServerTarget {
  const url = withEnv(flags.url, SERVER_FLAGS.url, env);
  const project = withEnv(flags.project, SERVER_FLAGS.project, env);
  const productkey = withEnv(flags.productkey, SERVER_FLAGS.productkey, env);
  const missing = (
    [
      ['url', url],
      ['project', project],
      ['productkey', productkey],
    ] as const
  ).filter(([, v]) => v === undefined || v.trim() === '');
  if (missing.length > 0) {
    const names = missing.map(([n]) => `--${n}`).join(', ');
    const envs = missing.map(([n]) => SERVER_FLAGS[n].env).join(', ');
    throw new UsageError(`missing ${names} (or set ${envs})`, command);
  }
  return { url: checkUrl(url as string, command), project: project as string, productkey: productkey as string };
}
