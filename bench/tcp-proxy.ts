/**
 * A small TCP proxy: clients connect to it, it pipes to the server.
 * - `cut()` destroys every open pair at once (a network drop as the client sees it:
 *   `transport close`); new connections are accepted again right after. Used by the
 *   reconnect benchmark, in the benchmark process.
 * - `hold()` stops forwarding server → client (what the server writes piles up in the
 *   proxy and the kernel); `release()` forwards it all again, in large chunks. Used by
 *   the server child (bench/server.ts) for the CPU benchmark's "burst" mode.
 */
import * as net from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  /** Open client connections. */
  connections(): number;
  /** Destroys every open connection now. */
  cut(): void;
  /** Stops forwarding server → client on every open connection. */
  hold(): void;
  /** Forwards server → client again. */
  release(): void;
  /** Cuts everything and stops listening. */
  close(): Promise<void>;
}

export function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let held = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    if (!held) upstream.pipe(client);
  });
  const cut = () => {
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      pair.client.destroy();
      pair.upstream.destroy();
    }
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        connections: () => pairs.size,
        cut,
        hold: () => {
          held = true;
          for (const { client, upstream } of pairs) {
            upstream.unpipe(client);
            upstream.pause();
          }
        },
        release: () => {
          held = false;
          for (const { client, upstream } of pairs) upstream.pipe(client);
        },
        close: () =>
          new Promise<void>((done) => {
            cut();
            server.close(() => done());
          }),
      });
    });
  });
}
