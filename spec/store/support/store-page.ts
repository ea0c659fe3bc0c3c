/**
 * The test page of spec/store/browser-store.spec.ts (bundled by esbuild for the
 * browser): a kiosk whose confirmed sends live in IndexedDB, driven by playwright
 * through `window.storePage`.
 */
import { createRexsysClient, indexedDbStore, type DeliveryOutcome, type RexsysClient } from '../../../lib/index';

export interface StorePage {
  start(config: { url: string; productkey: string; db: string }): void;
  send(n: number): void;
  /** Resolves once the store is restored, or 'waiting' after `ms`. */
  loaded(ms: number): Promise<'loaded' | 'waiting'>;
  flush(): Promise<void>;
  pending(): Array<{ n: number; restored: boolean }>;
  outcomes: Array<Pick<DeliveryOutcome, 'status' | 'restored'> & { n?: number }>;
  errors: string[];
}

let client: RexsysClient | undefined;
const page: StorePage = {
  start({ url, productkey, db }) {
    client = createRexsysClient({
      url,
      project: 'demo',
      productkey,
      store: indexedDbStore(db),
      confirmation: { retransmitAfter: 150, maxProbeInterval: 400 },
      gracePeriod: 50,
      backoff: { initialDelay: 50, maxDelay: 400 },
    });
    client.errors$.subscribe((e) => page.errors.push(e.code));
    client.outbox.outcomes$.subscribe((o) => page.outcomes.push({ status: o.status, restored: o.restored }));
  },
  send(n) {
    client!.send({ receiver: 'display-01', command: 'n', data: { n } }, { delivery: 'confirmed' }).subscribe({ error: () => undefined });
  },
  loaded: (ms) => Promise.race([client!.outbox.loaded.then(() => 'loaded' as const), new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), ms))]),
  flush: () => client!.outbox.flush(),
  pending: () => client!.outbox.list().map((p) => ({ n: (p.data as { n: number }).n, restored: p.restored })),
  outcomes: [],
  errors: [],
};
(globalThis as unknown as { storePage: StorePage }).storePage = page;
