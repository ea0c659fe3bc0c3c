/**
 * A TCP proxy that misbehaves on purpose, for REST fault tests:
 * - `latencyMs`: every chunk from the server reaches the client that much later (a slow
 *   answer; order is kept);
 * - `loseAnswers(n)`: the next `n` answers (on any connection, kept-alive ones included)
 *   are lost: the connection is cut the moment the server's first bytes come back, i.e.
 *   after the server has read and handled the request but before the client sees any
 *   answer (the textbook "outcome unknown" of a POST).
 */
import * as net from 'node:net';

export interface FaultProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Sets the delay of server → client chunks (ms). */
  setLatency(ms: number): void;
  /** The next `n` answers are lost (their connection is cut on the answer's first byte). */
  loseAnswers(n: number): void;
  /** How many answers were lost so far. */
  lost(): number;
  /** How many connections were accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export function startFaultProxy(targetPort: number, options: { latencyMs?: number } = {}): Promise<FaultProxy> {
  let latency = options.latencyMs ?? 0;
  let toLose = 0;
  let lost = 0;
  let accepted = 0;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; timers: Set<NodeJS.Timeout> }>();

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream, timers: new Set<NodeJS.Timeout>() };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      for (const t of pair.timers) clearTimeout(t);
      pair.timers.clear();
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    // Chunks still delayed when the server closes are written before the client is cut.
    upstream.on('close', () => {
      if (latency <= 0 || pair.timers.size === 0) return end();
      const t = setTimeout(end, latency + 5);
      pair.timers.add(t);
    });
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (toLose > 0) {
        toLose--;
        lost++;
        end();
        return;
      }
      if (latency <= 0) {
        client.write(chunk);
        return;
      }
      const t = setTimeout(() => {
        pair.timers.delete(t);
        if (!client.destroyed) client.write(chunk);
      }, latency);
      pair.timers.add(t);
    });
  });

  return new Promise<FaultProxy>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        setLatency: (ms) => {
          latency = ms;
        },
        loseAnswers: (n) => {
          toLose = n;
        },
        lost: () => lost,
        accepted: () => accepted,
        close: () =>
          new Promise<void>((done) => {
            for (const pair of [...pairs]) {
              pairs.delete(pair);
              for (const t of pair.timers) clearTimeout(t);
              pair.client.destroy();
              pair.upstream.destroy();
            }
            server.close(() => done());
          }),
      });
    });
  });
}
