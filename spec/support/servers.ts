/**
 * One test-server interface over both Rexsys peers: the emulator (Node socket.io) and
 * the python-socketio server (the engine Rexsys runs). Client suites run against both.
 */
import { startEmulator } from '../../lib/emulator/index';
import { IN_CI } from './ci';
import { startPythonRexsys, pythonAvailable } from './python-server';

export interface TestServerOptions {
  readonly projects?: Record<string, Record<string, string>>;
  /** `'none'`: no hello at all (the emulator only). */
  readonly helloOrder?: 'before' | 'after' | 'none';
  readonly tokenTtl?: number;
}

export interface Delivered {
  readonly via: 'socket' | 'rest';
  readonly sender: string;
  readonly receiver: string;
  readonly command: string;
  readonly data: unknown;
}

export interface TestServer {
  readonly kind: 'emulator' | 'python';
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  sessions(): Promise<Array<{ sid: string; uid?: string; loggedIn: boolean }>>;
  disconnect(uid: string): Promise<number>;
  inject(uid: string, payload: unknown, event?: string): Promise<number>;
  delivered(): Promise<Delivered[]>;
  dropped(): Promise<Array<{ reason: string; receiver?: string; command?: string }>>;
  revokeTokens(): Promise<void>;
  failNext(path: string, fault: { status?: number; hang?: boolean; times?: number }): Promise<void>;
  /** Restarts the server process on the same port, losing every token (python only). */
  restart?: () => Promise<void>;
}

export const DEMO_PROJECTS = { demo: { 'KIOSK-KEY': 'kiosk-01', 'DISPLAY-KEY': 'display-01', 'THIRD-KEY': 'third-01' } };

export async function startEmulatorServer(options: TestServerOptions = {}): Promise<TestServer> {
  const emu = await startEmulator({ port: 0, projects: DEMO_PROJECTS, ...options });
  return {
    kind: 'emulator',
    url: emu.url,
    port: emu.port,
    close: () => emu.close(),
    sessions: async () => emu.sessions(),
    disconnect: async (uid) => emu.disconnect(uid),
    inject: async (uid, payload, event) => emu.inject(uid, payload, event),
    delivered: async () => [...emu.delivered()],
    dropped: async () => [...emu.dropped()],
    revokeTokens: async () => emu.revokeTokens(),
    failNext: async (path, fault) => emu.failNext(path, fault),
  };
}

export async function startPythonServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { helloOrder, ...rest } = options;
  if (helloOrder === 'none') throw new Error("The python server always sends its hello: helloOrder 'none' is for the emulator.");
  const py = await startPythonRexsys({ port: 0, projects: DEMO_PROJECTS, ...rest, ...(helloOrder ? { helloOrder } : {}) });
  return {
    kind: 'python',
    url: py.url,
    port: py.port,
    close: () => py.close(),
    sessions: () => py.sessions(),
    disconnect: (uid) => py.disconnect(uid),
    inject: (uid, payload, event) => py.inject(uid, payload, event),
    delivered: () => py.delivered(),
    dropped: () => py.dropped(),
    revokeTokens: () => py.revokeTokens(),
    failNext: (path, fault) => py.failNext(path, fault),
    restart: () => py.restart(),
  };
}

/** Both peers, for `describe.each`. The python one runs whenever python-socketio is there, and always under CI. */
export const PEERS: Array<[string, (o?: TestServerOptions) => Promise<TestServer>]> = [
  ['emulator', startEmulatorServer],
  ...(pythonAvailable() || IN_CI ? [['python-socketio', startPythonServer] as [string, (o?: TestServerOptions) => Promise<TestServer>]] : []),
];
