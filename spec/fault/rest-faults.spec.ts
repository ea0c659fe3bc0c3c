/**
 * Hung, slow and failing REST answers (the server's `failNext` hook and a misbehaving
 * proxy), against both peers.
 *
 * Proves: 5xx bursts are retried exactly `restRetries` times (counted at the server)
 * and end in one delivery or a typed E_HTTP with no delivery; a refused token is
 * certified again once; a hung answer ends in E_TIMEOUT at the send's timeout and is
 * not retried; the timeout of a send bounds the whole send (retries, backoff and
 * certify included); a slow answer within the timeout succeeds; an answer lost after
 * the server handled the request is never turned into a second delivery. Nothing is
 * ever delivered twice.
 */
import { firstValueFrom } from 'rxjs';
import { createRexsysClient } from '../../lib/client/create-client';
import { RexsysError, RexsysTimeoutError, RexsysTransportError, type RexsysClient, type SendOptions, type SendReceipt } from '../../lib/index';
import { postRaw } from '../support/emulator-helpers';
import { startFaultProxy } from '../support/fault-proxy';
import { PEERS, type TestServer } from '../support/servers';
import { delay, waitFor } from '../support/wait';
import { record, untilStatus, clientFactory } from '../support/client-helpers';
import { SEED, dataOf, duplicates, prng, report, scale } from '../support/fault-kit';

const SEND = '/api/ide/io/send';
const CERTIFY = '/api/rexsys/cgi/certificate/productkey';
const BURST_ROUNDS = scale(10, 200);
const HANG_ROUNDS = scale(2, 20);

interface Data {
  readonly run: string;
  readonly id: string;
}

type Result = { ok: true; receipt: SendReceipt; ms: number } | { ok: false; error: unknown; ms: number };

describe.each(PEERS)('REST faults against the %s', (name, start) => {
  let server: TestServer;
  const run = `${name}-${SEED}-${Date.now()}`;
  const { make, closeAll } = clientFactory(() => server.url, { backoff: { initialDelay: 10, maxDelay: 40 }, restRetries: 3 });
  const send = (c: RexsysClient, id: string, options: SendOptions = {}): Promise<Result> => {
    const t0 = Date.now();
    return firstValueFrom(c.send({ receiver: 'display-01', command: 'rest-fault', data: { run, id } }, { via: 'rest', ...options })).then(
      (receipt): Result => ({ ok: true, receipt, ms: Date.now() - t0 }),
      (error: unknown): Result => ({ ok: false, error, ms: Date.now() - t0 }),
    );
  };
  const ours = async () => (await server.delivered()).filter((d) => d.command === 'rest-fault' && dataOf<Data>(d).run === run);
  const deliveries = async (id: string) => (await ours()).filter((d) => dataOf<Data>(d).id === id).length;
  /** Status of a garbage POST to `path`: a queued fault answers it, else the server says 400. */
  const probe = async (path = SEND) => (await postRaw(server.url, path, 'garbage', 'text/plain')).status;
  /** A display that stays online for the whole suite, so every send has a receiver. */
  let display: RexsysClient;
  let got: ReturnType<typeof record<{ command: string; data: unknown }>>;

  beforeAll(async () => {
    server = await start();
    display = createRexsysClient({ url: server.url, project: 'demo', productkey: 'DISPLAY-KEY', socket: { transports: ['websocket'] } });
    got = record(display.messages$);
    await untilStatus(display, 'ready');
  });
  afterEach(async () => {
    closeAll();
    // A fault a test left armed (say, a hang its send never reached) must not leak into the next test.
    for (const path of [SEND, CERTIFY]) {
      await server.failNext(path, { status: 418, times: 1 });
      expect(await probe(path)).toBe(418);
    }
  });
  afterAll(async () => {
    got.sub.unsubscribe();
    display.close();
    try {
      await waitFor(async () => (await server.sessions()).length === 0, { message: 'server still has sockets' });
    } finally {
      await server.close();
    }
  });

  it(`5xx bursts: retried exactly restRetries times, then one delivery or a typed E_HTTP with none (${BURST_ROUNDS} seeded rounds)`, async () => {
    const rng = prng(SEED + 7);
    const kiosk = make('KIOSK-KEY');
    expect((await send(kiosk, 'warm-up')).ok).toBe(true); // credentials cached: 5xx rounds never certify
    const tally = { delivered: 0, failed: 0, attempts: 0 };
    const started = Date.now();
    for (let round = 0; round < BURST_ROUNDS; round++) {
      const status = rng.pick([500, 501, 502, 503]);
      const times = rng.int(1, 6);
      const id = `burst-${round}`;
      await server.failNext(SEND, { status, times });
      const r = await send(kiosk, id);
      const attempts = Math.min(times, 3) + 1; // restRetries 3: at most 4 attempts
      tally.attempts += attempts;
      // What is left of the burst tells how many attempts the client really made.
      const leftover: number[] = [];
      for (let i = 0; i < Math.max(0, times - attempts) + 1; i++) leftover.push(await probe());
      const expectedLeftover = [...Array<number>(Math.max(0, times - attempts)).fill(status), 400];
      const facts = { round, status, times, ok: r.ok, leftover };
      expect({ ...facts, leftover }).toEqual({ ...facts, leftover: expectedLeftover });
      if (times <= 3) {
        expect(r.ok).toBe(true);
        tally.delivered++;
        await waitFor(async () => (await deliveries(id)) === 1, { message: `${id} to be delivered` });
      } else {
        expect(r.ok).toBe(false);
        const e = (r as { error: unknown }).error;
        expect(e).toBeInstanceOf(RexsysTransportError);
        expect(e).toMatchObject({ code: 'E_HTTP', status });
        expect((e as RexsysTransportError).retryable).toBe(true);
        tally.failed++;
        expect(await deliveries(id)).toBe(0);
      }
    }
    report(`rest-faults ${name} 5xx bursts`, { seed: SEED + 7, rounds: BURST_ROUNDS, ...tally, ms: Date.now() - started });
  });

  it('a token refused with 401 is certified again once: one 401 is healed, two are a typed E_HTTP 401', async () => {
    const kiosk = make('KIOSK-KEY');
    expect((await send(kiosk, 'warm-up-401')).ok).toBe(true);
    await server.failNext(SEND, { status: 401, times: 1 });
    const healed = await send(kiosk, 'one-401');
    expect(healed.ok).toBe(true);
    expect(await probe()).toBe(400);
    await server.failNext(SEND, { status: 401, times: 2 });
    const refused = await send(kiosk, 'two-401');
    expect(refused.ok).toBe(false);
    expect((refused as { error: unknown }).error).toMatchObject({ code: 'E_HTTP', status: 401 });
    expect(await probe()).toBe(400); // exactly two attempts: the second with a fresh token, no third
    await delay(100);
    expect(await deliveries('one-401')).toBe(1);
    expect(await deliveries('two-401')).toBe(0);
    report(`rest-faults ${name} 401`, { healedMs: healed.ms, refusedMs: refused.ms });
  });

  it(`a hung answer ends in E_TIMEOUT at the send's timeout, is not retried, and the server keeps serving (${HANG_ROUNDS} rounds)`, async () => {
    const kiosk = make('KIOSK-KEY');
    expect((await send(kiosk, 'warm-up-hang')).ok).toBe(true);
    const times: number[] = [];
    for (let round = 0; round < HANG_ROUNDS; round++) {
      await server.failNext(SEND, { hang: true, times: 1 });
      const r = await send(kiosk, `hung-${round}`, { timeout: 600 });
      expect(r.ok).toBe(false);
      const e = (r as { error: unknown }).error;
      expect(e).toBeInstanceOf(RexsysTimeoutError);
      expect((e as RexsysTimeoutError).timeoutMs).toBe(600);
      expect(r.ms).toBeGreaterThanOrEqual(590);
      expect(r.ms).toBeLessThan(600 + 2500);
      times.push(r.ms);
      const after = await send(kiosk, `after-hung-${round}`, { timeout: 5000 });
      expect(after.ok).toBe(true);
    }
    await delay(300);
    for (let round = 0; round < HANG_ROUNDS; round++) {
      expect(await deliveries(`hung-${round}`)).toBe(0); // a retry after the timeout would have delivered it
      expect(await deliveries(`after-hung-${round}`)).toBe(1);
    }
    report(`rest-faults ${name} hung`, { rounds: HANG_ROUNDS, timeoutMs: 600, tookMs: times });
  });

  it('the timeout of a send bounds the whole send: a 503, the backoff and then a hung retry end at the timeout', async () => {
    // Backoff of 1.5 s before the retry, timeout of 2 s for the send: a per-attempt timeout would end it after ~3.5 s.
    const kiosk = make('KIOSK-KEY', { backoff: { initialDelay: 1500, maxDelay: 1500, jitter: 0 } });
    expect((await send(kiosk, 'warm-up-total')).ok).toBe(true);
    await server.failNext(SEND, { status: 503, times: 1 });
    const pending = send(kiosk, 'total', { timeout: 2000 });
    await delay(400); // the 503 is answered within milliseconds; the retry waits for the backoff
    await server.failNext(SEND, { hang: true, times: 1 });
    const r = await pending;
    report(`rest-faults ${name} total timeout`, { timeoutMs: 2000, backoffMs: 1500, tookMs: r.ms, outcome: r.ok ? 'receipt' : (r.error as RexsysError).code });
    expect(r.ok).toBe(false);
    expect((r as { error: unknown }).error).toBeInstanceOf(RexsysTimeoutError);
    expect(r.ms).toBeLessThan(2000 + 1000);
    expect(await deliveries('total')).toBe(0);
  }, 20_000);

  it('the timeout of a send bounds the certify it needs: a hung certificate answer ends the send at its timeout', async () => {
    const kiosk = make('KIOSK-KEY'); // never certified yet: its first REST send certifies first
    await server.failNext(CERTIFY, { hang: true, times: 1 });
    const r = await send(kiosk, 'certify-hung', { timeout: 800 });
    report(`rest-faults ${name} hung certify`, { timeoutMs: 800, tookMs: r.ms, outcome: r.ok ? 'receipt' : (r.error as RexsysError).code });
    expect(r.ok).toBe(false);
    expect((r as { error: unknown }).error).toBeInstanceOf(RexsysError);
    expect(r.ms).toBeLessThan(800 + 2000);
    // The next send certifies normally and goes.
    const next = await send(kiosk, 'certify-after', { timeout: 5000 });
    if (!next.ok) report(`rest-faults ${name} send after the hung certify`, { tookMs: next.ms, error: String(next.error) });
    expect(next.ok).toBe(true);
    expect(await deliveries('certify-hung')).toBe(0);
  }, 30_000);

  describe('through a misbehaving proxy', () => {
    it('a slow answer within the timeout succeeds once; one slower than the timeout is E_TIMEOUT, delivered once and not retried', async () => {
      const proxy = await startFaultProxy(server.port);
      try {
        const kiosk = make('KIOSK-KEY', {}, proxy.url);
        expect((await send(kiosk, 'warm-up-slow')).ok).toBe(true);
        proxy.setLatency(300);
        const slow = await send(kiosk, 'slow', { timeout: 3000 });
        expect(slow.ok).toBe(true);
        expect(slow.ms).toBeGreaterThanOrEqual(290);
        proxy.setLatency(1500);
        const tooSlow = await send(kiosk, 'too-slow', { timeout: 500 });
        expect(tooSlow.ok).toBe(false);
        expect((tooSlow as { error: unknown }).error).toBeInstanceOf(RexsysTimeoutError);
        expect(tooSlow.ms).toBeLessThan(500 + 2000);
        await delay(1800); // the late answer arrives (and is ignored); a retry would deliver again
        expect(await deliveries('slow')).toBe(1);
        expect(await deliveries('too-slow')).toBe(1); // the request reached the server: only the answer was slow
        report(`rest-faults ${name} slow`, { slowMs: slow.ms, tooSlowMs: tooSlow.ms });
      } finally {
        closeAll();
        await proxy.close();
      }
    });

    it('an answer lost after the server handled the request never becomes a second delivery', async () => {
      const proxy = await startFaultProxy(server.port);
      try {
        const kiosk = make('KIOSK-KEY', {}, proxy.url);
        expect((await send(kiosk, 'warm-up-lost')).ok).toBe(true);
        proxy.loseAnswers(1);
        const r = await send(kiosk, 'lost', { timeout: 5000 });
        await delay(300);
        const n = await deliveries('lost');
        report(`rest-faults ${name} lost answer`, {
          lost: proxy.lost(),
          connections: proxy.accepted(),
          outcome: r.ok ? `receipt via ${r.receipt.via}` : r.error instanceof RexsysError ? `${r.error.name} ${r.error.code}` : String(r.error),
          deliveredTimes: n,
        });
        expect(proxy.lost()).toBe(1);
        expect(n).toBe(1); // the server got it once; the client must not send it again
        if (!r.ok) expect(r.error).toBeInstanceOf(RexsysError);
      } finally {
        closeAll();
        await proxy.close();
      }
    });
  });

  it('over the whole suite, nothing was delivered twice, at the server or at the display', async () => {
    const all = await ours();
    await waitFor(() => got.values.filter((m) => m.command === 'rest-fault' && (m.data as Data).run === run).length >= all.length, {
      message: 'the display to catch up',
    });
    const received = got.values.filter((m) => m.command === 'rest-fault' && (m.data as Data).run === run);
    report(`rest-faults ${name} totals`, { delivered: all.length, received: received.length });
    expect(duplicates(all, (d) => dataOf<Data>(d).id as string)).toEqual([]);
    expect(duplicates(received, (m) => (m.data as Data).id)).toEqual([]);
  });
});
