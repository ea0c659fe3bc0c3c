import { RexsysArgumentError } from '../errors.js';
import type { RetryBackoffOptions } from '../operators/retry-backoff.js';
import type { CommandCodecs, RexsysClientOptions } from './types.js';

/** The client's default `backoff.stablePeriod`: a session must live this long for the backoff to start again. */
export const DEFAULT_STABLE_PERIOD = 10_000;

/** {@link RexsysClientOptions} checked, with every default filled in. */
export type ResolvedClientOptions<C extends CommandCodecs> = Required<
  Omit<RexsysClientOptions<C>, 'productkey' | 'credentials' | 'http' | 'backoff' | 'confirmation' | 'replies' | 'store' | 'heartbeat' | 'logger'>
> &
  Pick<RexsysClientOptions<C>, 'productkey' | 'credentials' | 'http'> & { readonly backoff: RetryBackoffOptions };

const fail = (message: string): never => {
  throw new RexsysArgumentError(message);
};

const describe = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** A finite number > 0 (or >= 0 with `zero`). */
function positive(name: string, value: unknown, zero = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zero && value === 0)) {
    fail(`${name} must be a finite number ${zero ? '>= 0' : '> 0'}, got ${describe(value)}.`);
  }
  return value as number;
}

/** A whole number >= `min`, or Infinity when allowed. */
function count(name: string, value: unknown, min: number, infinite = false): number {
  if (typeof value !== 'number' || (!Number.isInteger(value) && !(infinite && value === Infinity)) || value < min) {
    fail(`${name} must be a whole number >= ${min}${infinite ? ' (or Infinity)' : ''}, got ${describe(value)}.`);
  }
  return value as number;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) fail(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}.`);
  return value as T;
}

/** Checks a send's (or the client's) timeout: 0 means none. */
export function checkTimeout(name: string, value: unknown): number {
  return positive(name, value, true);
}

/** Checks the backoff numbers and fills in the client's `stablePeriod`. */
export function checkBackoff(backoff: RetryBackoffOptions): RetryBackoffOptions {
  const b = { ...backoff, stablePeriod: backoff.stablePeriod ?? DEFAULT_STABLE_PERIOD };
  if (b.initialDelay !== undefined) positive('backoff.initialDelay', b.initialDelay);
  if (b.maxDelay !== undefined) positive('backoff.maxDelay', b.maxDelay);
  if (b.initialDelay !== undefined && b.maxDelay !== undefined && b.maxDelay < b.initialDelay) {
    fail(`backoff.maxDelay (${b.maxDelay}) must not be below backoff.initialDelay (${b.initialDelay}).`);
  }
  if (b.factor !== undefined && positive('backoff.factor', b.factor) < 1) fail(`backoff.factor must be >= 1, got ${b.factor}.`);
  if (b.jitter !== undefined && (typeof b.jitter !== 'number' || !(b.jitter >= 0 && b.jitter <= 1)))
    fail(`backoff.jitter must be from 0 to 1, got ${describe(b.jitter)}.`);
  if (b.maxRetries !== undefined) count('backoff.maxRetries', b.maxRetries, 0, true);
  positive('backoff.stablePeriod', b.stablePeriod, true);
  return b;
}

/**
 * Fills in the defaults of {@link RexsysClientOptions} and refuses options that cannot
 * work with a {@link RexsysArgumentError}: no url or project, a url that is not
 * absolute, neither productkey nor credentials, timeouts and sizes that are not
 * positive finite numbers (today `NaN` would mean "never time out" and `0` a hot loop).
 */
export function resolveClientOptions<C extends CommandCodecs>(options: RexsysClientOptions<C>): ResolvedClientOptions<C> {
  if (typeof options !== 'object' || options === null) fail('createRexsysClient needs an options object.');
  const { url, project, productkey, credentials, http } = options;
  if (!url || !project) fail('createRexsysClient needs a url and a project.');
  try {
    new URL(url);
  } catch {
    fail(`"${url}" is not an absolute URL (e.g. https://rexsys.example.com).`);
  }
  if (!productkey && !credentials) fail('createRexsysClient needs a productkey or credentials.');
  const commands = options.commands ?? ({} as C);
  if (typeof commands !== 'object' || commands === null) fail('commands must map command names to io-ts codecs.');
  return {
    url,
    project,
    productkey,
    credentials,
    http,
    channel: oneOf('channel', options.channel ?? 'client', ['client', 'user'] as const),
    transport: oneOf('transport', options.transport ?? 'auto', ['auto', 'socket', 'rest'] as const),
    delivery: oneOf('delivery', options.delivery ?? 'server', ['server', 'confirmed'] as const),
    backoff: checkBackoff(options.backoff ?? {}),
    loginTimeout: positive('loginTimeout', options.loginTimeout ?? 10_000),
    helloTimeout: positive('helloTimeout', options.helloTimeout ?? 1_000),
    connectTimeout: positive('connectTimeout', options.connectTimeout ?? 10_000),
    gracePeriod: positive('gracePeriod', options.gracePeriod ?? 1_000, true),
    socket: options.socket ?? {},
    restBody: oneOf('restBody', options.restBody ?? 'json', ['json', 'form', 'text'] as const),
    commands,
    outboxSize: count('outboxSize', options.outboxSize ?? 1_000, 1),
    sendTimeout: checkTimeout('sendTimeout', options.sendTimeout ?? 15_000),
    socketAck: options.socketAck ?? true,
    renewBefore: positive('renewBefore', options.renewBefore ?? 60_000, true),
    restRetries: count('restRetries', options.restRetries ?? 3, 0),
    warnUnhandledErrors: options.warnUnhandledErrors ?? true,
  };
}
