/**
 * A TCP proxy to put between a client and a Rexsys server (the emulator or a real one)
 * to test what a network drop does to your app: `cut()` destroys every open connection
 * at once (the client sees `transport close`, the server a lost peer), `setBlocked(true)`
 * refuses new connections until unblocked, `hold()`/`release()` stall and resume
 * what the server sends, and `setBlackHole(true)` stalls both directions on every
 * connection, new ones included, without closing anything: a Wi-Fi drop with no TCP
 * reset, which only a heartbeat notices. Node only; listens on 127.0.0.1.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ port: 0 });
 * const proxy = await startTcpProxy(emulator.port);
 * const client = createRexsysClient({ url: proxy.url, project: 'demo', productkey: 'KIOSK-KEY' });
 * // … later: proxy.cut(); the client goes `reconnecting`, then `ready` again.
 * ```
 */
import * as net from 'node:net';

/** A running proxy. See {@link startTcpProxy}. */
export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** `http://127.0.0.1:<port>`: point a client here instead of at the server. */
  readonly url: string;
  /** How many client connections are open now. */
  connections(): number;
  /** Destroys every open client and upstream socket now: a network drop. */
  cut(): void;
  /** While blocked, new connections are destroyed at once. */
  setBlocked(blocked: boolean): void;
  /** Stops forwarding server → client on every connection (data waits in the proxy). */
  hold(): void;
  /** Forwards server → client again, what waited first. */
  release(): void;
  /**
   * A black hole: while on, nothing is forwarded either way (connections stay open, new
   * ones are accepted and stall too). Off: everything that waited is delivered, as TCP
   * would retransmit it, unless a side gave up and closed meanwhile.
   */
  setBlackHole(on: boolean): void;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy on a free 127.0.0.1 port that forwards to `targetHost:targetPort`. */
export function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let blocked = false;
  let held = false;
  let blackHole = false;

  /** Pipes what may flow now, and pauses the rest. */
  const flow = ({ client, upstream }: { client: net.Socket; upstream: net.Socket }) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    if (blackHole) {
      client.pause();
      upstream.pause();
      return;
    }
    client.pipe(upstream);
    if (held) upstream.pause();
    else upstream.pipe(client);
  };

  const server = net.createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
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
    flow(pair);
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
        hold: () => {
          held = true;
          pairs.forEach(flow);
        },
        release: () => {
          held = false;
          pairs.forEach(flow);
        },
        setBlackHole: (on: boolean) => {
          blackHole = on;
          pairs.forEach(flow);
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
