/**
 * The `connect` hello and its trap (DESIGN §1.3): a bare socket.io-client cannot stay
 * connected to a Rexsys server; with `parser: helloParser` it can, in every hello order.
 */
import { HELLO_EVENT, HelloDecoder, helloParser } from '../../lib/protocol/hello-parser';
import { startEmulator, type RexsysEmulator } from '../../lib/emulator/index';
import { bareSocket, closeAllSockets, connectFixed, never, once, sleep, until } from '../support/emulator-helpers';

/** A hello-fix parser that also records every raw text packet, in arrival order. */
function recordingParser(log: string[]) {
  class RecordingDecoder extends HelloDecoder {
    override add(obj: unknown): void {
      if (typeof obj === 'string') log.push(obj);
      super.add(obj);
    }
  }
  return { ...helloParser, Decoder: RecordingDecoder };
}

describe('emulator hello', () => {
  let emulator: RexsysEmulator | undefined;
  afterEach(async () => {
    closeAllSockets();
    await emulator?.close();
    emulator = undefined;
  });

  describe("helloOrder 'before' (python-socketio's default)", () => {
    beforeEach(async () => {
      emulator = await startEmulator({ port: 0, helloOrder: 'before' });
    });

    it('drops a bare socket.io-client with a parse error ("invalid payload") before it ever connects', async () => {
      const socket = bareSocket(emulator!.url, '/io/demo/client');
      let connected = false;
      socket.on('connect', () => (connected = true));
      const [reason, description] = await once(socket, 'disconnect');
      expect(reason).toBe('parse error');
      expect((description as Error).message).toBe('invalid payload');
      await sleep(100);
      expect(connected).toBe(false);
      expect(socket.connected).toBe(false);
    });

    it('keeps a bare client with reconnection on in a reconnect loop (it never stays connected)', async () => {
      const socket = bareSocket(emulator!.url, '/io/demo/client', { reconnection: true, reconnectionDelay: 10, reconnectionDelayMax: 20 });
      let connects = 0;
      let parseErrors = 0;
      socket.on('connect', () => connects++);
      socket.on('disconnect', (reason) => {
        if (reason === 'parse error') parseErrors++;
      });
      await until(() => parseErrors >= 3, 3000, 'three parse errors');
      socket.close();
      expect(connects).toBe(0);
    });

    it('connects with parser: helloParser and delivers the hello as HELLO_EVENT with sid === socket.id', async () => {
      const { socket, hello } = await connectFixed(emulator!.url, '/io/demo/client');
      expect(socket.connected).toBe(true);
      expect(hello).toEqual({ sid: socket.id });
      await sleep(100);
      expect(socket.connected).toBe(true);
      expect(emulator!.sessions()).toEqual([{ sid: socket.id, project: 'demo', channel: 'client', loggedIn: false }]);
    });

    it('works over HTTP long-polling too (the browser default first transport)', async () => {
      const { socket, hello } = await connectFixed(emulator!.url, '/io/demo/client', { transports: ['polling'] });
      expect(hello).toEqual({ sid: socket.id });
      expect(socket.io.engine.transport.name).toBe('polling');
    });

    it('writes the hello packet before the namespace CONNECT packet', async () => {
      const packets: string[] = [];
      await connectFixed(emulator!.url, '/io/demo/user', { parser: recordingParser(packets) });
      const hello = packets.findIndex((p) => p.startsWith('2/io/demo/user,["connect",'));
      const connect = packets.findIndex((p) => p.startsWith('0/io/demo/user,'));
      expect(hello).toBeGreaterThanOrEqual(0);
      expect(connect).toBeGreaterThan(hello);
    });
  });

  describe("helloOrder 'after'", () => {
    beforeEach(async () => {
      emulator = await startEmulator({ port: 0, helloOrder: 'after' });
    });

    it('writes the hello after CONNECT; the fixed client gets it with sid === socket.id', async () => {
      const packets: string[] = [];
      const { socket, hello } = await connectFixed(emulator!.url, '/io/demo/client', { parser: recordingParser(packets) });
      expect(hello).toEqual({ sid: socket.id });
      const helloAt = packets.findIndex((p) => p.startsWith('2/io/demo/client,["connect",'));
      const connectAt = packets.findIndex((p) => p.startsWith('0/io/demo/client,'));
      expect(connectAt).toBeGreaterThanOrEqual(0);
      expect(helloAt).toBeGreaterThan(connectAt);
    });

    it('connects a bare client, then drops it with a parse error when the hello arrives', async () => {
      const socket = bareSocket(emulator!.url, '/io/demo/client');
      const connected = once(socket, 'connect');
      const dropped = once(socket, 'disconnect');
      await connected;
      const [reason] = await dropped;
      expect(reason).toBe('parse error');
    });
  });

  describe("helloOrder 'none'", () => {
    beforeEach(async () => {
      emulator = await startEmulator({ port: 0, helloOrder: 'none' });
    });

    it('sends no hello: even a bare client stays connected', async () => {
      const socket = bareSocket(emulator!.url, '/io/demo/client');
      await once(socket, 'connect');
      await never(socket, 'disconnect', 200);
      expect(socket.connected).toBe(true);
    });

    it('sends no hello to the fixed client either', async () => {
      const { socket } = await connectFixed(emulator!.url, '/io/demo/client', { hello: false });
      await never(socket, HELLO_EVENT, 200);
    });
  });

  describe('namespaces', () => {
    beforeEach(async () => {
      emulator = await startEmulator({ port: 0, projects: { acme: { K: 'k-01' } } });
    });

    it('serves /io/{project}/client and /io/{project}/user of configured projects', async () => {
      const a = await connectFixed(emulator!.url, '/io/acme/client');
      const b = await connectFixed(emulator!.url, '/io/acme/user');
      expect(a.socket.connected && b.socket.connected).toBe(true);
      const channels = emulator!
        .sessions()
        .map((s) => `${s.project}/${s.channel}`)
        .sort();
      expect(channels).toEqual(['acme/client', 'acme/user']);
    });

    it('refuses namespaces of unknown projects and the main namespace', async () => {
      const unknown = bareSocket(emulator!.url, '/io/demo/client', { parser: helloParser });
      const [err] = await once(unknown, 'connect_error');
      expect((err as Error).message).toBe('Invalid namespace');
      const main = bareSocket(emulator!.url, '/', { parser: helloParser });
      const [err2] = await once(main, 'connect_error');
      expect((err2 as Error).message).toMatch(/no main namespace/);
      expect(emulator!.sessions()).toEqual([]);
    });
  });
});
