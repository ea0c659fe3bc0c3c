/**
 * A tiny TCP proxy for the demo: it forwards every connection to a target port, and
 * `cut()` destroys them all at once, which is what a pulled network cable looks like to
 * both ends. New connections are accepted again right after (the "cable" is back).
 */
import * as net from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: point a client here instead of at the server. */
  readonly url: string;
  readonly port: number;
  /** How many connections go through it now. */
  connections(): number;
  /** Destroys every open connection (both sides), now. */
  cut(): void;
  /** Cuts everything and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy on a free 127.0.0.1 port that forwards to `targetHost:targetPort`. */
export function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<readonly [net.Socket, net.Socket]>();
  const cut = () => {
    for (const pair of pairs) {
      pair[0].destroy();
      pair[1].destroy();
    }
    pairs.clear();
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    // No Nagle delay: small socket.io frames pass through at once, as on a direct connection.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair = [client, upstream] as const;
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.on('error', end);
      s.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        connections: () => pairs.size,
        cut,
        close: () =>
          new Promise<void>((done) => {
            cut();
            server.close(() => done());
          }),
      });
    });
  });
}
