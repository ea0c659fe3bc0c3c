/**
 * `rexsys-rx/emulator` (Node only): a local Rexsys server, REST + Socket.IO on one
 * HTTP server, that behaves as docs/protocol.md says: EncodeData bodies, the certificate and
 * REST send endpoints with their envelopes, project namespaces, the `connect` hello
 * (the trap of current socket.io-client included), `login`, `request` → `touid` routing
 * with the sender stamped, and empty acks. Test hooks let a suite inspect and disturb it.
 *
 * @example
 * ```ts
 * import { startEmulator } from 'rexsys-rx/emulator';
 * const emulator = await startEmulator({ port: 0 });
 * // … point a client at emulator.url (project 'demo', productkey 'KIOSK-KEY') …
 * await emulator.close();
 * ```
 * @packageDocumentation
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachNamespaces } from './io.js';
import { Journal } from './journal.js';
import { resolveOptions, type EmulatorOptions } from './options.js';
import { emitAny } from './raw-emit.js';
import { SessionRegistry, TokenRegistry } from './registry.js';
import { createRestHandler } from './rest.js';
import { FaultTable } from './faults.js';
import { loadSocketIoServer } from './socket-io-server.js';
import type { RexsysEmulator } from './types.js';

export type { EmulatorOptions, HelloOrder } from './options.js';
export { DEFAULT_PORT, DEFAULT_PROJECTS } from './options.js';
export type { DeliveredMessage, DroppedMessage, EmulatorChannel, EmulatorFault, EmulatorSession, EmulatorVia, RexsysEmulator } from './types.js';
export { CERTIFY_ROUTE, SEND_ROUTE } from './rest.js';
export { startTcpProxy, type TcpProxy } from './network-proxy.js';

function urlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/**
 * Starts a local Rexsys server and resolves once it listens. Rejects with a
 * `RexsysArgumentError` (code `E_INVALID_ARGUMENT`) for unusable options, or with the listen error (e.g.
 * `EADDRINUSE`). Always `close()` it: it holds a listening socket.
 *
 * With no options it serves project `demo` with productkeys `KIOSK-KEY` (client
 * `kiosk-01`) and `DISPLAY-KEY` (client `display-01`) on `http://127.0.0.1:4100`.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RexsysEmulator> {
  const resolved = resolveOptions(options);
  const Server = await loadSocketIoServer();
  const log = resolved.logger;
  const tokens = new TokenRegistry(resolved.tokenTtl);
  const sessions = new SessionRegistry();
  const journal = new Journal(log);
  const faults = new FaultTable();
  const hung = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;

  const httpServer = createServer(createRestHandler({ options: resolved, tokens, sessions, journal, faults, hung, isClosing: () => closing !== undefined }));
  const io = new Server(httpServer, {
    cors: { origin: true, credentials: true },
    maxHttpBufferSize: resolved.maxHttpBufferSize,
    serveClient: false,
  });
  attachNamespaces(io, { options: resolved, tokens, sessions, journal });

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      httpServer.once('error', onError);
      httpServer.listen(resolved.port, resolved.host, () => {
        httpServer.off('error', onError);
        resolve();
      });
    });
  } catch (err) {
    await io.close().catch(() => undefined);
    throw err;
  }
  httpServer.on('error', (err) => log(`HTTP server error: ${err.message}`));
  const port = (httpServer.address() as AddressInfo).port;
  const url = urlOf(resolved.host, port);
  log(`Rexsys emulator listening on ${url} (projects: ${Object.keys(resolved.projects).join(', ')})`);

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const res of hung) res.destroy();
      hung.clear();
      const done = io.close(); // disconnects every socket, closes engine.io and the HTTP server
      httpServer.closeAllConnections(); // idle keep-alive and in-flight REST connections
      await done;
      // The listening handle is released in libuv's close phase, after the 'close' event:
      // let the loop turn so no handle of ours is left when this resolves.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      log('Rexsys emulator closed');
    })());

  const emulator: RexsysEmulator = {
    url,
    port,
    close,
    sessions: () => sessions.list(),
    disconnect(uid) {
      const targets = sessions.loggedIn(uid);
      for (const s of targets) s.socket.disconnect();
      if (targets.length > 0) log(`server-side disconnect of ${uid}: ${targets.length} socket(s)`);
      return targets.length;
    },
    inject(uid, payload, event = 'touid') {
      const targets = sessions.loggedIn(uid);
      for (const s of targets) emitAny(s.socket, event, payload);
      log(`injected "${event}" to ${uid}: ${targets.length} socket(s)`);
      return targets.length;
    },
    delivered: () => journal.deliveredSnapshot(),
    dropped: () => journal.droppedSnapshot(),
    revokeTokens() {
      tokens.revokeAll();
      log('every issued token revoked');
    },
    failNext(path, fault) {
      faults.set(path, fault);
    },
  };
  return emulator;
}
