/**
 * Starts spec/support/rexsys_server.py: a Rexsys server on python-socketio + aiohttp,
 * the engine the real Rexsys runs, with HTTP test hooks (sessions, disconnect,
 * inject, delivered, dropped, revoke-tokens, fail-next).
 *
 * Suites that need it use {@link describePy}: it skips when Debian's python3-socketio
 * is missing, except under CI (`CI` set), where a missing server must fail.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { IN_CI } from './ci';

export const PYTHON = '/usr/bin/python3';
export const SERVER_SCRIPT = path.join(__dirname, 'rexsys_server.py');
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;

export interface PythonRexsysOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** project -> productkey -> client id. @default { demo: { 'KIOSK-KEY': 'kiosk-01', 'DISPLAY-KEY': 'display-01' } } */
  readonly projects?: Record<string, Record<string, string>>;
  /** `before` (python-socketio's default: hello before the namespace CONNECT) or `after` (`always_connect=True`). @default 'before' */
  readonly helloOrder?: 'before' | 'after';
  /** Token lifetime in seconds. @default 3600 */
  readonly tokenTtl?: number;
}

export interface PythonSession {
  sid: string;
  project: string;
  channel: 'client' | 'user';
  uid?: string;
  loggedIn: boolean;
}

export interface DeliveredMessage {
  via: 'socket' | 'rest';
  project: string;
  sender: string;
  receiver: string;
  command: string;
  data: unknown;
}

export interface DroppedMessage {
  reason: string;
  via: string;
  receiver?: string;
  command?: string;
}

export interface PythonRexsys {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Kills the process and waits for it to exit. Idempotent. */
  close(): Promise<void>;
  /** Kills the server and starts it again on the SAME port: every token and session is lost. */
  restart(): Promise<void>;
  sessions(): Promise<PythonSession[]>;
  /** Server-side disconnect (`io server disconnect`) of every socket logged in as `uid`; resolves to how many. */
  disconnect(uid: string): Promise<number>;
  /** Emits `event` (default `touid`) with `payload` to every socket logged in as `uid`; resolves to how many. */
  inject(uid: string, payload: unknown, event?: string): Promise<number>;
  /** Every message forwarded to at least one socket, in order. */
  delivered(): Promise<DeliveredMessage[]>;
  /** Every message the server dropped, with the reason (`sender not logged in`, `receiver offline`, …). */
  dropped(): Promise<DroppedMessage[]>;
  /** Forgets every token (logins and REST sends with them fail from now on). */
  revokeTokens(): Promise<void>;
  /** The next `times` (default 1) POSTs to `path` answer `status` (default 500) with an error envelope, or hang until shutdown. */
  failNext(path: string, fault: { status?: number; hang?: boolean; times?: number }): Promise<void>;
}

let available: boolean | undefined;

/** True when `/usr/bin/python3` can import socketio and aiohttp (checked once). */
export function pythonAvailable(): boolean {
  if (available === undefined) {
    try {
      const r = spawnSync(PYTHON, ['-c', 'import socketio, aiohttp'], { stdio: 'ignore', timeout: 15_000 });
      available = r.status === 0;
    } catch {
      available = false;
    }
  }
  return available;
}

/** Throws a clear error when the python server cannot run. */
export function requirePython(): void {
  if (!pythonAvailable()) {
    throw new Error(
      `${PYTHON} cannot import socketio and aiohttp: run \`apt-get install -y python3-socketio python3-aiohttp\` ` +
        '(python-socketio is the engine the real Rexsys server runs; these suites need it).',
    );
  }
}

/**
 * `describe` when the python server can run, or under CI (where a missing server must
 * fail, never skip); `describe.skip` otherwise.
 */
export const describePy: jest.Describe = pickDescribe();

function pickDescribe(): jest.Describe {
  if (typeof describe !== 'function') {
    // Imported outside jest (a script using startPythonRexsys): no describe to pick.
    return (() => {
      throw new Error('describePy is only available inside jest.');
    }) as unknown as jest.Describe;
  }
  return pythonAvailable() || IN_CI ? describe : describe.skip;
}

interface Running {
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
}

function spawnServer(options: PythonRexsysOptions, port: number): Promise<Running> {
  requirePython();
  const args = [SERVER_SCRIPT, '--port', String(port), '--host', '127.0.0.1', '--hello-order', options.helloOrder ?? 'before'];
  if (options.projects) args.push('--projects', JSON.stringify(options.projects));
  if (options.tokenTtl !== undefined) args.push('--token-ttl', String(options.tokenTtl));
  const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  child.stdout.setEncoding('utf8');

  return new Promise<Running>((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      void exited.then(() => reject(new Error(`rexsys_server.py ${why}.\nstderr:\n${stderr || '(empty)'}`)));
    };
    const timer = setTimeout(() => fail(`printed no READY line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.once('error', (e) => fail(`could not start: ${e.message}`));
    child.once('exit', (code, signal) => fail(`exited before READY (code ${code}, signal ${signal})`));
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const m = /^READY (\d+)$/m.exec(stdout);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), exited });
      }
    });
  });
}

async function stopServer(running: Running): Promise<void> {
  const { child, exited } = running;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(killer);
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** One JSON request to the server's test hooks, on a fresh connection (no keep-alive handles left behind). */
function hook<T>(port: number, method: 'GET' | 'POST', pathname: string, body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<T>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: pathname,
        agent: false,
        headers: {
          Connection: 'close',
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) {
            reject(new Error(`${method} ${pathname} answered HTTP ${res.statusCode}: ${text}`));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(new Error(`${method} ${pathname} answered non-JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Starts the python-socketio Rexsys server and resolves once it prints `READY <port>`. */
export async function startPythonRexsys(options: PythonRexsysOptions = {}): Promise<PythonRexsys> {
  let running: Running | undefined = await spawnServer(options, options.port ?? 0);
  const port = running.port;
  const url = `http://127.0.0.1:${port}`;
  const call = <T>(method: 'GET' | 'POST', pathname: string, body?: unknown) => hook<T>(port, method, pathname, body);

  return {
    url,
    port,
    async close() {
      const r = running;
      running = undefined;
      if (r) await stopServer(r);
    },
    async restart() {
      if (running) await stopServer(running);
      running = undefined;
      let lastError: unknown;
      // The port is free once the old process exited; retry briefly in case the OS lags.
      for (let attempt = 0; attempt < 10; attempt++) {
        try {
          running = await spawnServer(options, port);
          return;
        } catch (e) {
          lastError = e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      throw lastError;
    },
    async sessions() {
      const list = await call<Array<PythonSession & { uid: string | null }>>('GET', '/__test/sessions');
      return list.map(({ uid, ...s }) => (uid === null ? s : { ...s, uid }));
    },
    disconnect: async (uid) => (await call<{ count: number }>('POST', '/__test/disconnect', { uid })).count,
    inject: async (uid, payload, event = 'touid') => (await call<{ count: number }>('POST', '/__test/inject', { uid, payload, event })).count,
    delivered: () => call<DeliveredMessage[]>('GET', '/__test/delivered'),
    dropped: () => call<DroppedMessage[]>('GET', '/__test/dropped'),
    async revokeTokens() {
      await call('POST', '/__test/revoke-tokens', {});
    },
    async failNext(pathname, fault) {
      await call('POST', '/__test/fail-next', { path: pathname, ...fault });
    },
  };
}
