/**
 * The public shape of a running emulator and of what its test hooks report.
 */

/** A socket channel: kiosks and web clients use `client`, users `user`. */
export type EmulatorChannel = 'client' | 'user';

/** How a message reached the emulator: a socket `request` or `POST /api/ide/io/send`. */
export type EmulatorVia = 'socket' | 'rest';

/** One socket connected to a project namespace, as {@link RexsysEmulator.sessions} lists it. */
export interface EmulatorSession {
  /** The socket id (what the client sees as `socket.id` and in the hello). */
  readonly sid: string;
  /** The project of the namespace the socket joined. */
  readonly project: string;
  /** The channel of the namespace the socket joined. */
  readonly channel: EmulatorChannel;
  /** The client id it logged in as; absent until a login succeeds. */
  readonly uid?: string;
  /** True after a successful `login` (a later failed login clears it). */
  readonly loggedIn: boolean;
}

/** A message the emulator routed to at least one socket. */
export interface DeliveredMessage {
  /** How it came in. */
  readonly via: EmulatorVia;
  readonly project: string;
  /** The namespace channel it was routed on. */
  readonly channel: EmulatorChannel;
  /** The sender as stamped by the emulator (the logged-in uid or the token's client id). */
  readonly sender: string;
  readonly receiver: string;
  readonly command: string;
  /** `data` as forwarded: an object for socket sends, the posted JSON string for REST sends. */
  readonly data: unknown;
  /** When it was routed (milliseconds since the epoch). */
  readonly at: number;
}

/** A message the emulator did not deliver, and why. */
export interface DroppedMessage {
  /** Why, e.g. `'not logged in'`, `'receiver offline'`, `'malformed request'`. */
  readonly reason: string;
  readonly via: EmulatorVia;
  readonly receiver?: string;
  readonly command?: string;
}

/** What {@link RexsysEmulator.failNext} makes a REST path do. */
export interface EmulatorFault {
  /** HTTP status to answer (with an error envelope). @default 500 */
  status?: number;
  /** Never answer until `close()`; wins over `status`. @default false */
  hang?: boolean;
  /** How many of the next POSTs to that path fail. @default 1 */
  times?: number;
}

/** A running local Rexsys server (REST + Socket.IO). See {@link startEmulator}. */
export interface RexsysEmulator {
  /** Origin of REST and socket, e.g. `'http://127.0.0.1:4100'`. */
  readonly url: string;
  /** The port it listens on (the one picked when `port: 0` was asked). */
  readonly port: number;
  /**
   * Disconnects every socket, ends hung REST requests and closes the HTTP server; when
   * it resolves no handle stays open. Calling it again returns the same promise.
   */
  close(): Promise<void>;
  /** Test hook: every socket currently connected to a project namespace. */
  sessions(): EmulatorSession[];
  /**
   * Test hook: server-side disconnect of every socket logged in as `uid` (the client
   * sees `'io server disconnect'` and, like with python-socketio, does not retry on
   * its own). Returns how many sockets were disconnected.
   */
  disconnect(uid: string): number;
  /**
   * Test hook: emits `payload` as-is under `event` to every socket logged in as `uid`
   * (reserved names such as `'connect'` are written as raw packets, as the real server
   * does). Returns how many sockets it went to.
   * @param uid - the client id whose logged-in sockets get it
   * @param payload - sent as-is (no `sender` stamping, no normalising)
   * @param event - the event name; `'touid'` when omitted
   */
  inject(uid: string, payload: unknown, event?: string): number;
  /** Test hook: every message routed so far, oldest first. */
  delivered(): ReadonlyArray<DeliveredMessage>;
  /** Test hook: every message dropped so far, oldest first. */
  dropped(): ReadonlyArray<DroppedMessage>;
  /** Test hook: forgets every issued token, as a server restart does (sockets stay). */
  revokeTokens(): void;
  /**
   * Test hook: the next `fault.times` POSTs to `path` (e.g.
   * `'/api/ide/io/send'`) answer HTTP `fault.status` with an error envelope, or never
   * answer (`hang`) until `close()`.
   */
  failNext(path: string, fault: EmulatorFault): void;
}
