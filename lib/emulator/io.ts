/**
 * The emulator's Socket.IO side (docs/protocol.md, "The socket"): the project namespaces, the `connect`
 * hello, `login`, and `request` routing. Like python-socketio, every event the server
 * has a handler for (`login`, `request`) is acked with an empty ack when the client
 * asked for one; unknown events get none.
 */
import { namespaceFor } from '../protocol/paths.js';
import * as E from '../protocol/either.js';
import type { Namespace, Server, Socket } from 'socket.io';
import { LoginRequest, RequestMessage } from '../protocol/codecs.js';
import type { Journal } from './journal.js';
import type { ResolvedEmulatorOptions } from './options.js';
import { writeEvent } from './raw-emit.js';
import type { Session, SessionRegistry, TokenRegistry } from './registry.js';
import { isChannel, route } from './router.js';
import type { EmulatorChannel } from './types.js';

/** What the socket side works with. */
export interface IoContext {
  readonly options: ResolvedEmulatorOptions;
  readonly tokens: TokenRegistry;
  readonly sessions: SessionRegistry;
  readonly journal: Journal;
}

const CHANNELS: readonly EmulatorChannel[] = ['client', 'user'];

/** The namespace path of a project's channel. */
export function namespaceOf(project: string, channel: EmulatorChannel): string {
  return namespaceFor(project, channel);
}

/**
 * Registers `/io/{project}/client` and `/io/{project}/user` for every configured project
 * (any other namespace is refused by socket.io with `Invalid namespace`; the main
 * namespace `/` is refused with a hint).
 */
export function attachNamespaces(io: Server, ctx: IoContext): void {
  const { projects, helloOrder } = ctx.options;
  io.of('/').use((_socket, next) => {
    next(new Error('Rexsys serves no main namespace; connect to /io/{project}/client or /io/{project}/user.'));
  });
  for (const project of Object.keys(projects)) {
    for (const channel of CHANNELS) {
      const nsp: Namespace = io.of(namespaceOf(project, channel));
      if (helloOrder === 'before') {
        // Middleware runs before socket.io writes the namespace CONNECT packet, so the
        // hello goes out first: python-socketio's default order (docs/protocol.md, "The socket").
        nsp.use((socket, next) => {
          sendHello(socket);
          next();
        });
      }
      nsp.on('connection', (socket: Socket) => onConnection(ctx, socket, project, channel));
    }
  }
}

/** The hello: an EVENT literally named `connect` carrying `{ sid }`. */
function sendHello(socket: Socket): void {
  writeEvent(socket, 'connect', { sid: socket.id });
}

/** Splits off the ack callback socket.io appends when the client asked for an ack. */
function takeAck(args: unknown[]): (() => void) | undefined {
  const last = args[args.length - 1];
  if (typeof last !== 'function') return undefined;
  args.pop();
  return () => (last as () => void)();
}

function onConnection(ctx: IoContext, socket: Socket, project: string, channel: EmulatorChannel): void {
  const log = ctx.options.logger;
  const session = ctx.sessions.add(socket, project, channel);
  log(`socket ${socket.id} joined ${namespaceOf(project, channel)}`);
  if (ctx.options.helloOrder === 'after') sendHello(socket);

  // Each handled event is acked (empty) when the client asked, after the handler ran;
  // a handler that fails is logged, never thrown into socket.io.
  const handle = (event: string, handler: (payload: unknown) => void) =>
    socket.on(event, (...args: unknown[]) => {
      const ack = takeAck(args);
      try {
        handler(args[0]);
      } catch (err) {
        log(`"${event}" handler failed on socket ${socket.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
      ack?.();
    });
  handle('login', (payload) => onLogin(ctx, session, payload));
  handle('request', (payload) => onRequest(ctx, session, payload));
  socket.on('disconnect', (reason: string) => {
    ctx.sessions.remove(socket.id);
    log(`socket ${socket.id}${session.uid ? ` (${session.uid})` : ''} left ${namespaceOf(project, channel)}: ${reason}`);
  });
}

/** Why a login is refused, or undefined when it is valid. Never mentions the token. */
function loginProblem(ctx: IoContext, session: Session, login: LoginRequest): string | undefined {
  const checked = ctx.tokens.check(login.token);
  if (!checked.ok) return checked.problem === 'expired' ? 'token expired' : 'invalid token';
  if (checked.issued.project !== session.project) return 'token was issued for another project';
  if (checked.issued.clientId !== login.uid) return 'uid does not match the token';
  if (login.sid !== session.socket.id) return 'sid does not match this socket';
  return undefined;
}

function onLogin(ctx: IoContext, session: Session, payload: unknown): void {
  const { socket } = session;
  const decoded = LoginRequest.decode(payload);
  if (E.isLeft(decoded)) return refuseLogin(ctx, session, 'malformed login: expected { uid, sid, token } strings');
  const problem = loginProblem(ctx, session, decoded.right);
  if (problem !== undefined) return refuseLogin(ctx, session, problem);
  const { uid, sid } = decoded.right;
  session.uid = uid;
  session.loggedIn = true;
  ctx.options.logger(`login ${uid} on socket ${sid} (${session.project}/${session.channel})`);
  socket.emit('login', { status: 'success', uid, sid });
}

/** Answers `{ status: 'fail', message }`; a refused login leaves the socket logged out, whatever it was before. */
function refuseLogin(ctx: IoContext, session: Session, message: string): void {
  session.loggedIn = false;
  delete session.uid;
  ctx.options.logger(`login refused on socket ${session.socket.id}: ${message}`);
  session.socket.emit('login', { status: 'fail', message });
}

function field(payload: unknown, key: string): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const v = (payload as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

function onRequest(ctx: IoContext, session: Session, payload: unknown): void {
  const receiver = field(payload, 'receiver');
  const command = field(payload, 'command');
  const where = { ...(receiver !== undefined ? { receiver } : {}), ...(command !== undefined ? { command } : {}) };
  if (!session.loggedIn || session.uid === undefined) {
    ctx.journal.dropped({ reason: 'not logged in', via: 'socket', ...where }, `socket ${session.socket.id}`);
    return;
  }
  const decoded = RequestMessage.decode(payload);
  if (E.isLeft(decoded)) {
    ctx.journal.dropped({ reason: 'malformed request', via: 'socket', ...where }, 'expected { channel, sender, receiver, command, data }');
    return;
  }
  const r = decoded.right;
  if (r.sender !== session.uid) ctx.options.logger(`request: claimed sender "${r.sender}" replaced by the logged-in uid ${session.uid}`);
  // The request names its channel; anything but 'client'/'user' means the socket's own.
  const channel = isChannel(r.channel) ? r.channel : session.channel;
  route(
    { via: 'socket', project: session.project, channel, sender: session.uid, receiver: r.receiver, command: r.command, data: r.data },
    ctx.sessions,
    ctx.journal,
  );
}
