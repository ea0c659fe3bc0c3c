/**
 * The page of spec/liveness/browser-liveness.spec.ts, bundled by esbuild for the browser:
 * one client with a heartbeat, and a record of what it did, with page-relative times.
 */
import { createRexsysClient, type RexsysClient } from '../../lib/index';

export interface LiveConfig {
  readonly url: string;
  readonly project: string;
  readonly productkey: string;
  readonly interval: number;
  readonly timeout: number;
  /** Reconnect delay (fixed). @default 200 */
  readonly backoffMs?: number;
}

export interface LiveRecord {
  readonly statuses: Array<{ at: number; status: string; reason?: string }>;
  readonly heartbeats: Array<{ at: number; rtt: number }>;
  readonly wakes: Array<{ at: number; what: string }>;
}

let client: RexsysClient | undefined;
const record: LiveRecord = { statuses: [], heartbeats: [], wakes: [] };

for (const what of ['offline', 'online']) addEventListener(what, () => record.wakes.push({ at: performance.now(), what }));

const api = {
  start(c: LiveConfig): Promise<void> {
    client = createRexsysClient({
      url: c.url,
      project: c.project,
      productkey: c.productkey,
      heartbeat: { interval: c.interval, timeout: c.timeout },
      backoff: { initialDelay: c.backoffMs ?? 200, maxDelay: c.backoffMs ?? 200, jitter: 0 },
      connectTimeout: 2000,
    });
    client.events$.subscribe((e) => {
      if (e.type === 'heartbeat') record.heartbeats.push({ at: performance.now(), rtt: e.rtt });
    });
    return new Promise((resolve) => {
      client!.state$.subscribe((s) => {
        record.statuses.push({ at: performance.now(), status: s.status, ...('reason' in s && s.reason ? { reason: s.reason } : {}) });
        if (s.status === 'ready') resolve();
      });
    });
  },
  now: () => performance.now(),
  record: (): LiveRecord => record,
  close: () => client?.close(),
};

(globalThis as unknown as { live: typeof api }).live = api;
export type LivePage = typeof api;
