/**
 * socket.io (the server) is an optional peer: only the emulator needs it. Without it,
 * startEmulator fails with a RexsysArgumentError that says how to install it.
 */
import { RexsysArgumentError } from '../../lib/errors';

describe('the emulator without its optional socket.io peer', () => {
  afterEach(() => {
    jest.resetModules();
    jest.dontMock('socket.io');
  });

  it('fails with E_INVALID_ARGUMENT and an install hint, opening nothing', async () => {
    jest.doMock('socket.io', () => {
      throw Object.assign(new Error("Cannot find module 'socket.io'"), { code: 'MODULE_NOT_FOUND' });
    });
    const { startEmulator } = jest.requireActual<typeof import('../../lib/emulator/index')>('../../lib/emulator/index');
    const failure = await startEmulator({ port: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as RexsysArgumentError).code).toBe('E_INVALID_ARGUMENT');
    expect((failure as Error).message).toContain('npm i -D socket.io');
  });

  it('rethrows any other failure to load it as it is', async () => {
    const boom = new Error('broken install');
    jest.doMock('socket.io', () => {
      throw boom;
    });
    const { loadSocketIoServer } = jest.requireActual<typeof import('../../lib/emulator/socket-io-server')>('../../lib/emulator/socket-io-server');
    await expect(loadSocketIoServer()).rejects.toBe(boom);
  });
});
