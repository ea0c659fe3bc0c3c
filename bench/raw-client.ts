/**
 * The baseline: a bare socket.io-client, logged in by hand. The only piece of the
 * library it uses is `helloParser` (without it socket.io-client cannot talk to a
 * Rexsys server at all, DESIGN §1.3) and `encodeData` for the certify body.
 */
import { Manager, type Socket } from 'socket.io-client';
import { lib } from './lib.js';

const { encodeData, HELLO_EVENT, helloParser } = lib;
import { withTimeout } from './harness.js';

export interface RawCredentials {
  readonly uid: string;
  readonly token: string;
}

/** POST the certificate endpoint with `fetch` (form body, as jQuery sends it). */
export async function rawCertify(url: string, project: string, productkey: string): Promise<RawCredentials> {
  const res = await fetch(`${url}/api/rexsys/cgi/certificate/productkey`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    body: `EncodeData=${encodeURIComponent(encodeData({ project, productkey }))}`,
  });
  const body = (await res.json()) as { rexsys?: { result?: { clientid?: string; token?: string } } };
  const r = body.rexsys?.result;
  if (!res.ok || !r?.token || !r.clientid) throw new Error(`raw certify failed: HTTP ${res.status}`);
  return { uid: r.clientid, token: r.token };
}

/** POST one REST send with `fetch` (JSON body); resolves with the HTTP status. */
export async function rawRestSend(url: string, project: string, creds: RawCredentials, receiver: string, command: string, data: unknown): Promise<number> {
  const res = await fetch(`${url}/api/ide/io/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      EncodeData: encodeData({ token: creds.token, project, channel: 'client', sender: creds.uid, receiver, command, data: JSON.stringify(data) }),
    }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`raw REST send failed: HTTP ${res.status}`);
  return res.status;
}

export interface RawSocketOptions {
  /** socket.io-client reconnection (off unless given). */
  readonly reconnection?: { readonly delay: number; readonly maxDelay: number };
}

/**
 * A bare socket for `/io/{project}/client`: websocket transport, the hello parser,
 * no auto-connect. Call {@link rawLogin} to connect and log in.
 */
export function rawSocket(url: string, project: string, options: RawSocketOptions = {}): Socket {
  const manager = new Manager(url, {
    transports: ['websocket'],
    parser: helloParser,
    autoConnect: false,
    reconnection: options.reconnection !== undefined,
    reconnectionDelay: options.reconnection?.delay ?? 1000,
    reconnectionDelayMax: options.reconnection?.maxDelay ?? 5000,
    randomizationFactor: 0,
  });
  return manager.socket(`/io/${project}/client`);
}

/**
 * Waits for the next hello + connect (connecting the socket if `connect` is true),
 * emits `login` { uid, sid, token } and resolves when the server's `login` answer
 * says success. The listeners are removed again whatever happens.
 */
export function rawLogin(socket: Socket, creds: RawCredentials, connect = true, ms = 10_000): Promise<void> {
  let cleanup = (): void => undefined;
  const done = new Promise<void>((resolve, reject) => {
    let sid: string | undefined;
    const onHello = (hello: { sid?: string }) => {
      sid = hello?.sid;
    };
    const onConnect = () => socket.emit('login', { uid: creds.uid, sid: sid ?? socket.id, token: creds.token });
    const onLogin = (reply: { status?: string; message?: string }) => {
      if (reply?.status === 'success') resolve();
      else reject(new Error(`raw login refused: ${reply?.message ?? JSON.stringify(reply)}`));
    };
    const onError = (err: Error) => reject(err);
    socket.on(HELLO_EVENT, onHello);
    socket.on('connect', onConnect);
    socket.on('login', onLogin);
    if (!socket.io.opts.reconnection) socket.on('connect_error', onError);
    cleanup = () => {
      socket.off(HELLO_EVENT, onHello);
      socket.off('connect', onConnect);
      socket.off('login', onLogin);
      socket.off('connect_error', onError);
    };
    if (connect) socket.connect();
  });
  return withTimeout(done, ms, `raw login of ${creds.uid}`).finally(() => cleanup());
}

/** Disconnects the socket and closes its manager (engine.io connection and timers). */
export function rawClose(socket: Socket): void {
  socket.disconnect();
  socket.io.engine?.close();
}
