/**
 * Options of the local Rexsys emulator, their defaults and their validation.
 */
import { RexsysArgumentError } from '../errors.js';

/** When the emulator sends its `connect` hello relative to the namespace CONNECT packet. */
export type HelloOrder = 'before' | 'after' | 'none';

/** Options of {@link startEmulator}. Every field is optional. */
export interface EmulatorOptions {
  /**
   * TCP port to listen on; `0` picks a free port (read it back from `emulator.port`).
   * @default 4100
   */
  port?: number;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Projects the emulator serves: project → productkey → client id (the `uid`).
   * Each project gets the namespaces `/io/{project}/client` and `/io/{project}/user`.
   * @default { demo: { 'KIOSK-KEY': 'kiosk-01', 'DISPLAY-KEY': 'display-01' } }
   */
  projects?: Record<string, Record<string, string>>;
  /**
   * Seconds an issued token lives (fractions allowed, handy in tests).
   * @default 86400
   */
  tokenTtl?: number;
  /**
   * When the `connect` hello `{ sid }` goes out: `'before'` the namespace CONNECT packet
   * (python-socketio's default, the order that trips current socket.io-client),
   * `'after'` it (python-socketio with `always_connect=True`), or `'none'` (never).
   * @default 'before'
   */
  helloOrder?: HelloOrder;
  /**
   * Receives one line per notable event (certify, login, routing, drops, faults).
   * Tokens are never written to it; an exception it throws is ignored.
   * @default no logging
   */
  logger?: (line: string) => void;
  /**
   * Largest message in bytes: socket.io's `maxHttpBufferSize`, and the cap on REST
   * bodies (larger bodies get HTTP 413 with an error envelope).
   * @default 1e6 (as socket.io)
   */
  maxHttpBufferSize?: number;
}

/** {@link EmulatorOptions} with every default filled in. */
export interface ResolvedEmulatorOptions {
  readonly port: number;
  readonly host: string;
  readonly projects: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly tokenTtl: number;
  readonly helloOrder: HelloOrder;
  readonly logger: (line: string) => void;
  readonly maxHttpBufferSize: number;
}

/** The project served when no `projects` option is given. */
export const DEFAULT_PROJECTS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  demo: Object.freeze({ 'KIOSK-KEY': 'kiosk-01', 'DISPLAY-KEY': 'display-01' }),
});

/** The port used when no `port` option is given. */
export const DEFAULT_PORT = 4100;

const PROJECT_NAME = /^[A-Za-z0-9._~-]+$/;
const noop = (): void => undefined;

/**
 * Fills in defaults and checks the options. Throws a {@link RexsysArgumentError} for
 * options that cannot work (bad port, empty project table, project names that do not
 * fit in a namespace path, a non-positive token lifetime…).
 */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RexsysArgumentError(`Emulator port must be an integer from 0 to 65535, got ${String(port)}.`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new RexsysArgumentError('Emulator host must be a non-empty string.');

  const projects = options.projects ?? DEFAULT_PROJECTS;
  if (typeof projects !== 'object' || projects === null || Object.keys(projects).length === 0) {
    throw new RexsysArgumentError('Emulator projects must map at least one project to its productkeys.');
  }
  for (const [project, keys] of Object.entries(projects)) {
    if (!PROJECT_NAME.test(project)) {
      throw new RexsysArgumentError(`Emulator project name "${project}" must be letters, digits, '.', '_', '~' or '-' (it becomes a namespace path).`);
    }
    if (typeof keys !== 'object' || keys === null) {
      throw new RexsysArgumentError(`Emulator project "${project}" must map productkeys to client ids.`);
    }
    for (const clientId of Object.values(keys)) {
      if (typeof clientId !== 'string' || clientId === '') {
        throw new RexsysArgumentError(`Emulator project "${project}" has a productkey whose client id is not a non-empty string.`);
      }
    }
  }

  const tokenTtl = options.tokenTtl ?? 86_400;
  if (typeof tokenTtl !== 'number' || !(tokenTtl > 0) || !Number.isFinite(tokenTtl)) {
    throw new RexsysArgumentError(`Emulator tokenTtl must be a positive number of seconds, got ${String(tokenTtl)}.`);
  }
  const helloOrder = options.helloOrder ?? 'before';
  if (helloOrder !== 'before' && helloOrder !== 'after' && helloOrder !== 'none') {
    throw new RexsysArgumentError(`Emulator helloOrder must be 'before', 'after' or 'none', got ${String(helloOrder)}.`);
  }
  const maxHttpBufferSize = options.maxHttpBufferSize ?? 1e6;
  if (typeof maxHttpBufferSize !== 'number' || !(maxHttpBufferSize > 0)) {
    throw new RexsysArgumentError(`Emulator maxHttpBufferSize must be a positive number of bytes, got ${String(maxHttpBufferSize)}.`);
  }
  const given = options.logger;
  // A logger that throws must never take a handler down with it.
  const logger = given
    ? (line: string) => {
        try {
          given(line);
        } catch {
          /* ignored */
        }
      }
    : noop;
  return { port, host, projects, tokenTtl, helloOrder, logger, maxHttpBufferSize };
}
