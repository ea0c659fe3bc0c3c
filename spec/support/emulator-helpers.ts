/**
 * Client-side glue for the emulator's tests: sockets with the hello fix, event promises
 * with timeouts, certify/login shortcuts and raw REST posts. Every socket made here is
 * tracked; call {@link closeAllSockets} in `afterEach`.
 */
import axios, { type AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { certify, type RexsysCredentials } from '../../lib/auth/certify';
import { encodeData } from '../../lib/protocol/encode-data';
import { HELLO_EVENT, helloParser } from '../../lib/protocol/hello-parser';
import { delay, waitFor } from './wait';

type ClientOptions = Partial<ManagerOptions & SocketOptions>;

const open = new Set<Socket>();

/** A socket.io-client socket that is closed by {@link closeAllSockets}. No hello fix. */
export function bareSocket(url: string, namespace: string, options: ClientOptions = {}): Socket {
  const socket = io(url + namespace, { reconnection: false, transports: ['websocket'], forceNew: true, ...options });
  open.add(socket);
  return socket;
}

/** Closes every socket made by these helpers. */
export function closeAllSockets(): void {
  for (const socket of open) socket.close();
  open.clear();
}

/** Resolves with the arguments of the next `event` on `socket`, rejects after `ms`. */
export function once(socket: Socket, event: string, ms = 2000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`timed out after ${ms} ms waiting for "${event}"`));
    }, ms);
    socket.once(event, listener);
  });
}

/** Resolves when `event` did NOT happen on `socket` within `ms`; rejects when it did. */
export function never(socket: Socket, event: string, ms = 300): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      reject(new Error(`unexpected "${event}": ${JSON.stringify(args)}`));
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      resolve();
    }, ms);
    socket.once(event, listener);
  });
}

/** Waits `ms` milliseconds ({@link delay} of ./wait). */
export const sleep = delay;

/** Polls `check` until it returns true or `ms` pass ({@link waitFor} of ./wait, with this suite's defaults). */
export function until(check: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  return waitFor(check, { timeout: ms, interval: 10, message: what });
}

/** A connected socket with the hello fix, and the hello it got (undefined with `hello: false`). */
export interface FixedConnection {
  readonly socket: Socket;
  readonly hello: { sid: string } | undefined;
}

/**
 * Connects to `url + namespace` with the hello fix (`parser: helloParser`) and resolves
 * once connected and greeted (the hello arrives before or after `connect` depending on
 * the emulator's `helloOrder`; pass `hello: false` for `'none'`).
 */
export async function connectFixed(url: string, namespace: string, options: ClientOptions & { hello?: boolean } = {}): Promise<FixedConnection> {
  const { hello: waitHello = true, ...rest } = options;
  const socket = bareSocket(url, namespace, { parser: helloParser, ...rest });
  const hello = waitHello ? once(socket, HELLO_EVENT) : Promise.resolve([undefined]);
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err: Error) => reject(err));
  });
  const [[greeting]] = await Promise.all([hello, connected]);
  return { socket, hello: greeting as { sid: string } | undefined };
}

/** Credentials for a productkey of the emulator (form body, as `certify()` sends by default). */
export function certifyKey(url: string, project: string, productkey: string): Promise<RexsysCredentials> {
  return firstValueFrom(certify({ url, project, productkey }));
}

/** A fixed socket logged in with a fresh token for `productkey`. */
export interface LoggedIn {
  readonly socket: Socket;
  readonly uid: string;
  readonly token: string;
  readonly reply: unknown;
}

/** Certifies, connects with the hello fix, logs in and checks the reply says success. */
export async function loginAs(
  url: string,
  project: string,
  productkey: string,
  channel: 'client' | 'user' = 'client',
  options: ClientOptions = {},
): Promise<LoggedIn> {
  const { uid, token } = await certifyKey(url, project, productkey);
  const { socket } = await connectFixed(url, `/io/${project}/${channel}`, options);
  const reply = once(socket, 'login');
  socket.emit('login', { uid, sid: socket.id, token });
  const [answer] = await reply;
  if ((answer as { status?: unknown }).status !== 'success') throw new Error(`login of ${uid} refused: ${JSON.stringify(answer)}`);
  return { socket, uid, token, reply: answer };
}

/** Emits `event` asking for an ack; resolves with the ack's arguments (rejects on timeout). */
export function emitWithAckArgs(socket: Socket, event: string, payload: unknown, ms = 2000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    socket.timeout(ms).emit(event, payload, (err: Error | null, ...args: unknown[]) => (err ? reject(err) : resolve(args)));
  });
}

/** The body formats clients send. */
export type RawFormat = 'form' | 'json' | 'text';

/** POSTs `payload` as EncodeData in `format`, reading any status (never throws on 4xx/5xx). */
export function postEncodedRaw(url: string, path: string, payload: unknown, format: RawFormat): Promise<AxiosResponse<unknown>> {
  const encoded = encodeData(payload);
  const [body, type] =
    format === 'form'
      ? [`EncodeData=${encodeURIComponent(encoded)}`, 'application/x-www-form-urlencoded; charset=UTF-8']
      : [JSON.stringify({ EncodeData: encoded }), format === 'json' ? 'application/json' : 'text/plain;charset=UTF-8'];
  return postRaw(url, path, body, type);
}

/** POSTs a raw body with a content type, reading any status. */
export function postRaw(url: string, path: string, body: string, contentType: string, headers: Record<string, string> = {}): Promise<AxiosResponse<unknown>> {
  return axios.post<unknown>(url + path, body, {
    headers: { 'Content-Type': contentType, ...headers },
    validateStatus: () => true,
    transformRequest: [(d: unknown) => d],
  });
}

/** The `rexsys` part of an answer body, loosely typed for assertions. */
export function rexsys(res: AxiosResponse<unknown>): { result: Record<string, unknown>; server: Record<string, unknown> } {
  return (res.data as { rexsys: { result: Record<string, unknown>; server: Record<string, unknown> } }).rexsys;
}
