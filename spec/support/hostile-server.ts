/**
 * A hostile Rexsys server for security and robustness tests: plain Node http + socket.io
 * on 127.0.0.1 (port 0), where each test decides what the certificate and send
 * endpoints answer, what a login gets back, and can write raw Socket.IO packets (data
 * no JSON encoder would produce, e.g. nested 5,000 deep). It records every request body
 * it was sent, per path, so a test can prove what was (not) posted where.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { writeEvent } from '../../lib/emulator/raw-emit';
import { decodeData, encodeData } from '../../lib/protocol/encode-data';

/** What a REST handler answers: a status, a body (objects are sent as JSON) and headers. */
export interface HostileAnswer {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A REST request as the server got it: its raw body and, when it had one, its decoded EncodeData. */
export interface HostileRequest {
  readonly path: string;
  readonly raw: string;
  readonly payload: unknown;
}

export interface HostileServer {
  readonly url: string;
  /** Every POST received, oldest first. */
  readonly requests: HostileRequest[];
  /** Answers for a path (replacing the default). */
  on(path: string, handler: (request: HostileRequest) => HostileAnswer): void;
  /** What a `login` is answered with (default `{ status: 'success' }`). */
  onLogin(handler: (payload: unknown) => unknown): void;
  /** Sockets that logged in successfully. */
  readonly loggedIn: Socket[];
  /** Writes `text` as one raw Socket.IO packet to every logged-in socket (e.g. `2/io/demo/client,["touid",…]`). */
  writeRaw(text: string): void;
  close(): Promise<void>;
}

/** A success envelope as a Rexsys server sends it. */
export function envelope(status: string, result?: unknown, message?: string): unknown {
  return { rexsys: { server: { status, ...(message !== undefined ? { message } : {}) }, ...(result !== undefined ? { result } : {}) } };
}

/** A certificate answer for `payload` (project, productkey) issuing `token`. */
export function certificateAnswer(clientid: string, token: string, project = 'demo'): unknown {
  return envelope('success', {
    clientid,
    token,
    project,
    config: { io: { client: `/io/${project}/client`, user: `/io/${project}/user` } },
    expire: { timestamp: Math.floor(Date.now() / 1000) + 3600 },
  });
}

function decodePayload(raw: string): unknown {
  try {
    const text = raw.trim().startsWith('{') ? (JSON.parse(raw) as { EncodeData?: unknown }).EncodeData : new URLSearchParams(raw).get('EncodeData');
    return typeof text === 'string' ? decodeData(text) : undefined;
  } catch {
    return undefined;
  }
}

export async function startHostileServer(): Promise<HostileServer> {
  const handlers = new Map<string, (request: HostileRequest) => HostileAnswer>();
  const requests: HostileRequest[] = [];
  const loggedIn: Socket[] = [];
  let login: (payload: unknown) => unknown = () => ({ status: 'success' });

  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/socket.io/')) return; // socket.io's own
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const request = { path, raw, payload: decodePayload(raw) };
      requests.push(request);
      const handler = handlers.get(path);
      const answer = handler ? handler(request) : { status: 404, body: envelope('fail', undefined, 'no such path') };
      const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? null);
      res.writeHead(answer.status ?? 200, {
        'Content-Type': typeof answer.body === 'string' ? 'text/html; charset=utf-8' : 'application/json',
        Connection: 'close',
        ...answer.headers,
      });
      res.end(body);
    });
  });
  const io = new Server(server, { serveClient: false });
  io.of(/^\/io\/[^/]+\/(client|user)$/).on('connection', (socket) => {
    writeEvent(socket, 'connect', { sid: socket.id }); // the Rexsys hello (order 'after')
    socket.on('login', (payload: unknown) => {
      const reply = login(payload);
      const ok = typeof reply === 'object' && reply !== null && (reply as { status?: unknown }).status === 'success';
      if (ok) loggedIn.push(socket);
      socket.emit('login', reply);
    });
    socket.on('disconnect', () => {
      const i = loggedIn.indexOf(socket);
      if (i >= 0) loggedIn.splice(i, 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    loggedIn,
    on: (path, handler) => void handlers.set(path, handler),
    onLogin: (handler) => void (login = handler),
    writeRaw(text) {
      for (const s of loggedIn) (s as unknown as { client: { conn: { write(t: string): void } } }).client.conn.write(text);
    },
    async close() {
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      server.closeAllConnections();
    },
  };
}

export { encodeData };
