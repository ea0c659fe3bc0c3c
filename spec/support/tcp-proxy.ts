/**
 * A TCP proxy to put between a client and a server in tests, to cut the network:
 * `cut()` destroys every open connection at once (the client sees `transport close`,
 * the server a dropped peer), `setBlocked(true)` refuses new ones until unblocked.
 */
import * as net from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** How many client connections are open now. */
  connections(): number;
  /** Destroys every open client and upstream socket now: a network drop. */
  cut(): void;
  /** While blocked, new connections are destroyed at once. */
  setBlocked(blocked: boolean): void;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

export function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let blocked = false;

  const server = net.createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });

  const cut = () => {
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      pair.client.destroy();
      pair.upstream.destroy();
    }
  };

  return new Promise<TcpProxy>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        connections: () => pairs.size,
        cut,
        setBlocked: (b: boolean) => {
          blocked = b;
        },
        close: () =>
          new Promise<void>((done) => {
            blocked = true;
            cut();
            server.close(() => done());
          }),
      });
    });
  });
}
