import * as net from 'node:net';
import { startTcpProxy } from '../../lib/emulator/network-proxy';
import { waitFor } from '../support/wait';

/** An echo server and a raw TCP client through the proxy: what arrives, and when it closes. */
describe('startTcpProxy (rexsys-rx/emulator)', () => {
  let echo: net.Server;
  let port: number;
  beforeAll(async () => {
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    port = (echo.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise((r) => echo.close(r)));

  const connect = (p: number) => {
    const socket = net.connect(p, '127.0.0.1');
    const got = { data: '', closed: false };
    socket.on('data', (d) => (got.data += d.toString()));
    socket.on('close', () => (got.closed = true));
    socket.on('error', () => undefined);
    return { socket, got };
  };

  it('forwards both ways, counts connections, and cut() drops them all', async () => {
    const proxy = await startTcpProxy(port);
    try {
      expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
      const a = connect(proxy.port);
      const b = connect(proxy.port);
      a.socket.write('hello');
      await waitFor(() => a.got.data === 'hello' && proxy.connections() === 2);
      proxy.cut();
      await waitFor(() => a.got.closed && b.got.closed);
      expect(proxy.connections()).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('setBlocked refuses new connections until unblocked', async () => {
    const proxy = await startTcpProxy(port);
    try {
      proxy.setBlocked(true);
      const refused = connect(proxy.port);
      await waitFor(() => refused.got.closed);
      proxy.setBlocked(false);
      const ok = connect(proxy.port);
      ok.socket.write('again');
      await waitFor(() => ok.got.data === 'again');
      ok.socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('hold() stalls what the server sends and release() delivers it', async () => {
    const proxy = await startTcpProxy(port);
    try {
      const c = connect(proxy.port);
      await waitFor(() => proxy.connections() === 1);
      proxy.hold();
      c.socket.write('held');
      await new Promise((r) => setTimeout(r, 150));
      expect(c.got.data).toBe('');
      proxy.release();
      await waitFor(() => c.got.data === 'held');
      c.socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('setBlackHole stalls both directions on open and new connections without closing them; off delivers what waited', async () => {
    const received: string[] = [];
    const sink = net.createServer((s) => s.on('data', (d) => received.push(d.toString())).pipe(s));
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const proxy = await startTcpProxy((sink.address() as net.AddressInfo).port);
    try {
      const open = connect(proxy.port);
      open.socket.write('a');
      await waitFor(() => open.got.data === 'a');
      proxy.setBlackHole(true);
      open.socket.write('b');
      const late = connect(proxy.port);
      late.socket.write('c');
      await waitFor(() => proxy.connections() === 2);
      await new Promise((r) => setTimeout(r, 150));
      // Nothing crossed either way, and nothing was closed.
      expect(received.join('')).toBe('a');
      expect([open.got.data, late.got.data, open.got.closed, late.got.closed]).toEqual(['a', '', false, false]);
      proxy.setBlackHole(false);
      await waitFor(() => open.got.data === 'ab' && late.got.data === 'c');
      open.socket.destroy();
      late.socket.destroy();
    } finally {
      await proxy.close();
      await new Promise((r) => sink.close(r));
    }
  });
});
