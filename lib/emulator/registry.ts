/**
 * What the emulator remembers: the tokens it issued and the sockets connected to its
 * namespaces (with their login state).
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io';
import type { EmulatorChannel, EmulatorSession } from './types.js';

/** A token the emulator issued. */
export interface IssuedToken {
  readonly token: string;
  readonly project: string;
  readonly clientId: string;
  readonly productkey: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** Why a token was refused. */
export type TokenProblem = 'unknown' | 'expired';

/** Issues and checks tokens. Tokens are random and never logged. */
export class TokenRegistry {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    /** Lifetime of a token in seconds. */
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Issues a fresh token for a client of a project. */
  issue(project: string, productkey: string, clientId: string): IssuedToken {
    this.sweep();
    const issued: IssuedToken = {
      token: randomBytes(24).toString('hex'),
      project,
      clientId,
      productkey,
      expiresAt: this.now() + this.ttlSeconds * 1000,
    };
    this.tokens.set(issued.token, issued);
    return issued;
  }

  /** The token's record when it is known and not expired, else why not. */
  check(token: unknown): { ok: true; issued: IssuedToken } | { ok: false; problem: TokenProblem } {
    const issued = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (!issued) return { ok: false, problem: 'unknown' };
    if (this.now() >= issued.expiresAt) return { ok: false, problem: 'expired' };
    return { ok: true, issued };
  }

  /** Forgets every token (as a server restart does). */
  revokeAll(): void {
    this.tokens.clear();
  }

  /** Drops tokens that expired long ago, so a long-running emulator does not grow. */
  private sweep(): void {
    const cutoff = this.now() - 60_000;
    for (const [token, issued] of this.tokens) if (issued.expiresAt < cutoff) this.tokens.delete(token);
  }
}

/** One socket connected to a project namespace. */
export interface Session {
  readonly socket: Socket;
  readonly project: string;
  readonly channel: EmulatorChannel;
  uid?: string;
  loggedIn: boolean;
}

/** The sockets connected to project namespaces, by socket id. */
export class SessionRegistry {
  private readonly byId = new Map<string, Session>();

  /** Registers a socket that just joined `/io/{project}/{channel}`. */
  add(socket: Socket, project: string, channel: EmulatorChannel): Session {
    const session: Session = { socket, project, channel, loggedIn: false };
    this.byId.set(socket.id, session);
    return session;
  }

  /** Forgets a socket (on disconnect). */
  remove(sid: string): void {
    this.byId.delete(sid);
  }

  /** Logged-in sessions of `uid`, optionally only in one project and channel. */
  loggedIn(uid: string, where?: { project: string; channel: EmulatorChannel }): Session[] {
    const out: Session[] = [];
    for (const s of this.byId.values()) {
      if (!s.loggedIn || s.uid !== uid) continue;
      if (where && (s.project !== where.project || s.channel !== where.channel)) continue;
      out.push(s);
    }
    return out;
  }

  /** A snapshot for the `sessions()` test hook. */
  list(): EmulatorSession[] {
    return [...this.byId.values()].map((s) => ({
      sid: s.socket.id,
      project: s.project,
      channel: s.channel,
      ...(s.uid !== undefined ? { uid: s.uid } : {}),
      loggedIn: s.loggedIn,
    }));
  }
}
