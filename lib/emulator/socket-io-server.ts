import { RexsysArgumentError } from '../errors.js';

type SocketIoModule = typeof import('socket.io');

/**
 * Loads the Socket.IO server, an optional peer dependency needed only by the emulator
 * (browser installs of rexsys-rx never pull a server). Missing, it says how to install it.
 */
export async function loadSocketIoServer(): Promise<SocketIoModule['Server']> {
  try {
    const mod: SocketIoModule = await import('socket.io');
    return mod.Server;
  } catch (cause) {
    if ((cause as { code?: unknown } | null)?.code !== 'MODULE_NOT_FOUND' && (cause as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') throw cause;
    throw new RexsysArgumentError(
      'The Rexsys emulator needs the Socket.IO server, an optional peer dependency of rexsys-rx: install it with `npm i -D socket.io` (or pnpm add -D / yarn add -D socket.io).',
      { cause },
    );
  }
}
