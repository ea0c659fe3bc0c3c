/**
 * A sender or receiver in its own process, for the crash suites (run with tsx; the
 * parent kills it with SIGKILL). Configuration in the PEER environment variable (JSON).
 * Everything it reports is one line on stdout, written synchronously:
 *   sender:   `restored <count>`, `stored <n>` (after send(...).subscribe() returned),
 *             `outcome <status> <n>`, `idle` (everything sent and settled)
 *   receiver: `got <n> <id>`
 *   both:     `error <code>`, `locked <code>` (the store is in use; exit code 3)
 */
import { writeSync } from 'node:fs';
import { createRexsysClient, type RexsysClient } from '../../../lib/index';
import { fileStore } from '../../../lib/node/index';

interface PeerConfig {
  readonly url: string;
  readonly role: 'sender' | 'receiver';
  readonly path: string;
  /** Sender: the first n to send when nothing is pending, and one past the last. */
  readonly from?: number;
  readonly to?: number;
  /** Sender: ms between two sends. */
  readonly interval?: number;
}

const cfg = JSON.parse(process.env.PEER ?? '{}') as PeerConfig;
const out = (line: string) => writeSync(1, `${line}\n`);
const nOf = (data: unknown) => (data as { n: number }).n;

let client: RexsysClient;
try {
  client = createRexsysClient({
    url: cfg.url,
    project: 'demo',
    productkey: cfg.role === 'sender' ? 'KIOSK-KEY' : 'DISPLAY-KEY',
    store: fileStore(cfg.path),
    confirmation: { retransmitAfter: 150, maxProbeInterval: 400 },
    gracePeriod: 50,
    backoff: { initialDelay: 50, maxDelay: 400 },
    socket: { transports: ['websocket'] },
  });
} catch (e) {
  out(`locked ${(e as { code?: string }).code}`);
  process.exit(3);
}
client.errors$.subscribe((e) => out(`error ${e.code}`));

if (cfg.role === 'receiver') {
  client.command$('n').subscribe((m) => out(`got ${nOf(m.data)} ${m.id}`));
  client.state$.subscribe((s) => out(`state ${s.status}`));
  void client.outbox.loaded.then(() => out('loaded'));
} else {
  const to = cfg.to ?? 1;
  client.outbox.outcomes$.subscribe((o) => {
    out(`outcome ${o.status} ${o.id}`);
    checkIdle();
  });
  let n = 0;
  const checkIdle = () => {
    if (n >= to && client.outbox.list().length === 0) out('idle');
  };
  void client.outbox.loaded.then(() => {
    const pending = client.outbox.list();
    out(`restored ${pending.length}`);
    n = Math.max((cfg.from ?? 1) - 1, ...pending.map((p) => nOf(p.data))) + 1;
    const timer = setInterval(() => {
      if (n >= to) {
        clearInterval(timer);
        checkIdle();
        return;
      }
      client.send({ receiver: 'display-01', command: 'n', data: { n } }, { delivery: 'confirmed' }).subscribe({ error: () => undefined });
      out(`stored ${n}`);
      n++;
    }, cfg.interval ?? 20);
  });
}
