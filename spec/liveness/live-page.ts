/**
 * The page of spec/liveness/browser-liveness.spec.ts, bundled by esbuild for the browser:
 * clients with a heartbeat (one per name), a record of what they did with page-relative
 * times, the page's visibility changes, and a chained-timer ticker that shows how much
 * Chromium throttles this page's timers.
 */
import { createRexsysClient, type ClientMetrics, type RexsysClient } from '../../lib/index';

export interface LiveConfig {
  /** Which client of the page. @default 'main' */
  readonly name?: string;
  readonly url: string;
  readonly project: string;
  readonly productkey: string;
  /** `heartbeat.interval`; with `timeout` also unset, the client's default heartbeat (15 s / 5 s). */
  readonly interval?: number;
  readonly timeout?: number;
  /** Reconnect delay (fixed). @default 200 */
  readonly backoffMs?: number;
}

export interface LiveRecord {
  readonly statuses: Array<{ at: number; client: string; status: string; reason?: string }>;
  readonly heartbeats: Array<{ at: number; client: string; rtt: number }>;
  readonly disconnects: Array<{ at: number; client: string; reason: string }>;
  readonly wakes: Array<{ at: number; what: string }>;
  readonly visibility: Array<{ at: number; state: string }>;
  /** When each turn of the ticker ran (see `tick`). */
  readonly ticks: number[];
}

const clients = new Map<string, RexsysClient>();
const record: LiveRecord = { statuses: [], heartbeats: [], disconnects: [], wakes: [], visibility: [], ticks: [] };
let ticking: ReturnType<typeof setTimeout> | undefined;

for (const what of ['offline', 'online']) addEventListener(what, () => record.wakes.push({ at: performance.now(), what }));
document.addEventListener('visibilitychange', () => record.visibility.push({ at: performance.now(), state: document.visibilityState }));

const api = {
  start(c: LiveConfig): Promise<void> {
    const name = c.name ?? 'main';
    const client = createRexsysClient({
      url: c.url,
      project: c.project,
      productkey: c.productkey,
      ...(c.interval === undefined && c.timeout === undefined ? {} : { heartbeat: { interval: c.interval, timeout: c.timeout } }),
      backoff: { initialDelay: c.backoffMs ?? 200, maxDelay: c.backoffMs ?? 200, jitter: 0 },
      connectTimeout: 2000,
    });
    clients.set(name, client);
    client.events$.subscribe((e) => {
      if (e.type === 'heartbeat') record.heartbeats.push({ at: performance.now(), client: name, rtt: e.rtt });
      else if (e.type === 'disconnected') record.disconnects.push({ at: performance.now(), client: name, reason: e.reason });
    });
    return new Promise((resolve) => {
      client.state$.subscribe((s) => {
        record.statuses.push({ at: performance.now(), client: name, status: s.status, ...('reason' in s && s.reason ? { reason: s.reason } : {}) });
        if (s.status === 'ready') resolve();
      });
    });
  },
  /**
   * Starts a chain of `setTimeout(…, delay)`, each turn scheduling the next, and records
   * when each ran: what an application's own polling loop gets from the browser.
   */
  tick(delay: number): void {
    const turn = () => {
      record.ticks.push(performance.now());
      ticking = setTimeout(turn, delay);
    };
    ticking = setTimeout(turn, delay);
  },
  now: () => performance.now(),
  visibilityState: () => document.visibilityState,
  record: (): LiveRecord => record,
  metrics: (name = 'main'): ClientMetrics | undefined => clients.get(name)?.metrics(),
  close: () => {
    clearTimeout(ticking);
    clients.forEach((client) => client.close());
  },
};

(globalThis as unknown as { live: typeof api }).live = api;
export type LivePage = typeof api;
