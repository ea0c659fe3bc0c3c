/**
 * The clients under test. The library comes from its TypeScript sources (lib/, through tsx)
 * or, with `--dist`, from the tsc build users install (dist/cjs): tsx compiles with
 * esbuild's `keepNames` (a `__name()` call per closure) and export getters, the build has
 * neither. The baseline is a bare socket.io-client logged in by hand; the only pieces of the
 * library it uses are `helloParser` (without it socket.io-client cannot talk to a Rexsys
 * server) and `encodeData` for the certify and REST bodies.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { Manager, type Socket, type SocketOptions } from 'socket.io-client';
import type * as Lib from '../lib/index.js';
import type * as NodeEntry from '../lib/node/index.js';
import { BENCH_PROJECT, keyOf, withTimeout, type BenchUid } from './harness.js';

let loaded: { lib: typeof Lib; node: typeof NodeEntry; source: string } | undefined;

/** Loads lib/ or dist/cjs; returns what the report says was measured. */
export function loadLibrary(dist: boolean): string {
  const root = path.join(__dirname, '..', dist ? 'dist/cjs' : 'lib');
  if (dist && !existsSync(path.join(root, 'index.js'))) throw new Error('--dist: dist/cjs/index.js does not exist; run `npm run build` first.');
  const source = dist ? `dist/cjs built ${statSync(path.join(root, 'index.js')).mtime.toISOString().slice(0, 16)}Z` : 'lib/ through tsx';
  // tsx resolves lib/index.js to lib/index.ts.
  loaded = { lib: require(path.join(root, 'index.js')) as typeof Lib, node: require(path.join(root, 'node', 'index.js')) as typeof NodeEntry, source };
  return source;
}

export const lib = (): typeof Lib => loaded!.lib;
export const nodeEntry = (): typeof NodeEntry => loaded!.node;

// Library clients: websocket transport (as the baseline), a productkey of the bench project.

export function libClient(url: string, uid: BenchUid, extra: Partial<Lib.RexsysClientOptions> = {}): Lib.RexsysClient {
  return lib().createRexsysClient({ url, project: BENCH_PROJECT, productkey: keyOf(uid), socket: { transports: ['websocket'] }, gracePeriod: 0, ...extra });
}

export const nextReady = (client: Lib.RexsysClient): Promise<unknown> =>
  withTimeout(firstValueFrom(client.state$.pipe(filter((s) => s.status === 'ready'))), 10_000, 'client ready');

/** Opens the client and keeps it open (a `state$` subscription) once ready. */
export async function holdOpen(client: Lib.RexsysClient): Promise<Subscription> {
  const hold = client.state$.subscribe();
  await nextReady(client);
  return hold;
}

/** Opens the client as {@link holdOpen} and returns the socket it made (the replay feeds its engine). */
export async function holdOpenCapturingSocket(client: Lib.RexsysClient): Promise<{ hold: Subscription; socket: Socket }> {
  const original = Manager.prototype.socket;
  const made: Socket[] = [];
  Manager.prototype.socket = function (this: Manager, nsp: string, opts?: Partial<SocketOptions>): Socket {
    return made[made.push(original.call(this, nsp, opts)) - 1];
  };
  try {
    const hold = await holdOpen(client);
    if (made.length !== 1) throw new Error(`expected the client to make one socket, it made ${made.length}`);
    return { hold, socket: made[0] };
  } finally {
    Manager.prototype.socket = original;
  }
}

// The bare baseline.

export interface RawCredentials {
  readonly uid: string;
  readonly token: string;
}

/** POST the certificate endpoint with `fetch` (a form body, as jQuery sends it). */
export async function rawCertify(url: string, uid: BenchUid): Promise<RawCredentials> {
  const res = await fetch(`${url}/api/rexsys/cgi/certificate/productkey`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    body: `EncodeData=${encodeURIComponent(lib().encodeData({ project: BENCH_PROJECT, productkey: keyOf(uid) }))}`,
  });
  const r = ((await res.json()) as { rexsys?: { result?: { clientid?: string; token?: string } } }).rexsys?.result;
  if (!res.ok || !r?.token || !r.clientid) throw new Error(`raw certify failed: HTTP ${res.status}`);
  return { uid: r.clientid, token: r.token };
}

/** POST one REST send with `fetch` (a JSON body). */
export async function rawRestSend(url: string, creds: RawCredentials, receiver: string, data: unknown): Promise<void> {
  const fields = { token: creds.token, project: BENCH_PROJECT, channel: 'client', sender: creds.uid, receiver, command: 'bench', data: JSON.stringify(data) };
  const res = await fetch(`${url}/api/ide/io/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ EncodeData: lib().encodeData(fields) }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`raw REST send failed: HTTP ${res.status}`);
}

/** A bare socket on the bench namespace: websocket, the hello parser, no auto-connect; reconnection only if given a delay. */
export function rawSocket(url: string, reconnectionDelay?: number): Socket {
  const manager = new Manager(url, {
    transports: ['websocket'],
    parser: lib().helloParser,
    autoConnect: false,
    reconnection: reconnectionDelay !== undefined,
    reconnectionDelay,
    reconnectionDelayMax: 2_000,
    randomizationFactor: 0,
  });
  return manager.socket(`/io/${BENCH_PROJECT}/client`);
}

/** Waits for the next hello + connect (connecting first if `connect`), logs in, resolves on the server's success answer. */
export function rawLogin(socket: Socket, creds: RawCredentials, connect = true): Promise<void> {
  const { HELLO_EVENT } = lib();
  let sid: string | undefined;
  const onHello = (hello: { sid?: string }) => (sid = hello?.sid);
  const onConnect = () => socket.emit('login', { uid: creds.uid, sid: sid ?? socket.id, token: creds.token });
  let onLogin: (reply: { status?: string; message?: string }) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    onLogin = (reply) => (reply?.status === 'success' ? resolve() : reject(new Error(`raw login refused: ${reply?.message}`)));
    socket.on(HELLO_EVENT, onHello).on('connect', onConnect).on('login', onLogin);
    if (connect) socket.connect();
  });
  return withTimeout(done, 10_000, `raw login of ${creds.uid}`).finally(() => socket.off(HELLO_EVENT, onHello).off('connect', onConnect).off('login', onLogin));
}

/** A bare receiver on `uid`, logged in. */
export async function rawReceiver(url: string, uid: BenchUid): Promise<Socket> {
  const socket = rawSocket(url);
  await rawLogin(socket, await rawCertify(url, uid));
  return socket;
}

/** Disconnects the socket and closes its manager's engine. */
export function rawClose(socket: Socket): void {
  socket.disconnect();
  socket.io.engine?.close();
}
