/**
 * The test page of spec/browser/browser.spec.ts: bundled by esbuild for the browser
 * (from the library's sources) and driven by playwright through `window.rexsysPage`.
 * It runs on its own origin, so every REST call and the socket are cross-origin.
 */
import * as t from 'io-ts';
import { ReplaySubject, filter, firstValueFrom, lastValueFrom, take, timeout } from 'rxjs';
import { certify, createRexsysClient, type BodyFormat, type RexsysClient, type RexsysMessage, type SendReceipt } from '../../lib/index';

export const Show = t.type({ url: t.string, n: t.number }, 'Show');
export const Ack = t.type({ n: t.number, via: t.string, body: t.string }, 'Ack');
const commands = { show: Show, ack: Ack };

export interface StartConfig {
  readonly url: string;
  readonly project: string;
  readonly productkey: string;
}

export interface StartResult {
  readonly origin: string;
  readonly certifiedUid: string;
  readonly tokenLength: number;
  readonly uid?: string;
  readonly sid?: string;
  readonly statuses: string[];
}

export interface ReplyResult {
  readonly body: BodyFormat | 'socket';
  readonly receipt?: SendReceipt;
  readonly error?: string;
}

let config: StartConfig | undefined;
let client: RexsysClient<typeof commands> | undefined;
const restClients: RexsysClient[] = [];
const shows = new ReplaySubject<RexsysMessage<t.TypeOf<typeof Show>>>();
const errors: string[] = [];
const statuses: string[] = [];

const describe = (e: unknown): string =>
  e instanceof Error ? `${e.name}${'code' in e ? `/${String((e as { code: unknown }).code)}` : ''}: ${e.message}` : String(e);

const api = {
  /** certify() with the productkey, then a client (productkey too) until `ready`. */
  async start(c: StartConfig): Promise<StartResult> {
    config = c;
    const credentials = await firstValueFrom(certify({ url: c.url, project: c.project, productkey: c.productkey }));
    client = createRexsysClient({ url: c.url, project: c.project, productkey: c.productkey, commands, gracePeriod: 100 });
    client.errors$.subscribe((e) => errors.push(describe(e)));
    client.state$.subscribe((s) => statuses.push(s.status));
    client.command$('show').subscribe(shows);
    const ready = await firstValueFrom(
      client.state$.pipe(
        filter((s) => s.status === 'ready'),
        timeout(10_000),
      ),
    );
    return { origin: location.origin, certifiedUid: credentials.uid, tokenLength: credentials.token.length, uid: ready.uid, sid: ready.sid, statuses };
  },

  /** The first `show` received (decoded by the codec map). */
  nextShow(): Promise<RexsysMessage<t.TypeOf<typeof Show>>> {
    return firstValueFrom(shows.pipe(take(1), timeout(10_000)));
  },

  /**
   * Answers `ack` to `receiver`: over the socket, then over REST once per body format
   * (json needs a CORS preflight; form and text are "simple" requests).
   */
  async reply(receiver: string, n: number): Promise<ReplyResult[]> {
    if (!client || !config) throw new Error('start() first');
    const results: ReplyResult[] = [];
    try {
      const receipt = await lastValueFrom(client.send({ receiver, command: 'ack', data: { n, via: 'socket', body: 'socket' } }, { via: 'socket' }));
      results.push({ body: 'socket', receipt });
    } catch (e) {
      results.push({ body: 'socket', error: describe(e) });
    }
    for (const body of ['json', 'form', 'text'] as const) {
      const rest = createRexsysClient({
        url: config.url,
        project: config.project,
        productkey: config.productkey,
        restBody: body,
        transport: 'rest',
        restRetries: 0,
      });
      restClients.push(rest);
      try {
        const receipt = await lastValueFrom(rest.send({ receiver, command: 'ack', data: { n, via: 'rest', body } }, { via: 'rest' }));
        results.push({ body, receipt });
      } catch (e) {
        results.push({ body, error: describe(e) });
      }
    }
    return results;
  },

  /**
   * One REST send with a JSON body to `url`, a server on another origin that answers no
   * CORS preflight: resolves with the error the library reports (#17).
   */
  async sendWithoutCors(url: string): Promise<string> {
    const rest = createRexsysClient({ url, project: 'demo', credentials: { uid: 'display-01', token: 'fixed-token' }, transport: 'rest', restRetries: 0 });
    restClients.push(rest);
    try {
      await lastValueFrom(rest.send({ receiver: 'kiosk-01', command: 'ack', data: {} }, { via: 'rest', timeout: 5000 }));
      return 'sent';
    } catch (e) {
      return describe(e);
    }
  },

  errors: (): string[] => [...errors],

  /** Closes every client; resolves with the final state. */
  stop(): string {
    for (const c of restClients.splice(0)) c.close();
    client?.close();
    return client?.state.status ?? 'none';
  },
};

export type RexsysPage = typeof api;
(globalThis as unknown as { rexsysPage: RexsysPage }).rexsysPage = api;
