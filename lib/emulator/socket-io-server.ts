import { RexsysArgumentError } from '../errors.js';

type SocketIoModule = typeof import('socket.io');

const MISSING = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND']);

/**
 * Loads the Socket.IO server, an optional peer dependency needed only by the emulator
 * (browser installs of rexsys-rx never pull a server). Missing, it says how to install it.
 * CommonJS builds (and jest) load it with `require`; the ES module build with `import()`.
 */
export async function loadSocketIoServer(): Promise<SocketIoModule['Server']> {
  try {
    const mod = typeof require === 'function' ? (require('socket.io') as SocketIoModule) : await import('socket.io');
    return mod.Server;
  } catch (cause) {
    if (!MISSING.has(String((cause as { code?: unknown } | null)?.code))) throw cause;
    throw new RexsysArgumentError(
      'The Rexsys emulator needs the Socket.IO server, an optional peer dependency of rexsys-rx: install it with `npm i -D socket.io` (or `pnpm add -D socket.io`, `yarn add -D socket.io`).',
      { cause },
    );
  }
}
