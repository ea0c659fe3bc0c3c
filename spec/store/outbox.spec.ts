/**
 * The durable outbox in one process, against the emulator: pending sends outlive
 * their client (a new client on the same store resumes them, before anything it sends
 * itself), their outcomes are observable, they can be listed and cancelled, the store
 * is bounded (E_OUTBOX_FULL) and never holds credentials.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { memoryStore, type DeliveryOutcome, type RexsysClient, type RexsysMessage } from '../../lib/index';
import { fileStore } from '../../lib/node/index';
import { clientFactory, record, untilStatus } from '../support/client-helpers';
import { startEmulatorServer, type TestServer } from '../support/servers';
import { waitFor } from '../support/wait';

const FAST = { retransmitAfter: 150, maxProbeInterval: 400 };
let server: TestServer;
const { make, closeAll } = clientFactory(() => server.url, { confirmation: FAST });
let dir: string;

beforeAll(async () => {
  server = await startEmulatorServer();
});
afterAll(() => server.close());
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rexsys-outbox-'))));
afterEach(() => {
  closeAll();
  rmSync(dir, { recursive: true, force: true });
});

const ns = (got: readonly RexsysMessage[]) => got.map((m) => (m.data as { n: number }).n);
const sendN = (c: RexsysClient, n: number) => c.send({ receiver: 'display-01', command: 'n', data: { n } }, { delivery: 'confirmed' });

it('a client closed with pending sends: the next one on the same store sends them first, once each, in order', async () => {
  const store = memoryStore();
  const a = make('KIOSK-KEY', { store });
  await untilStatus(a, 'ready');
  const first = [1, 2, 3].map((n) => record(sendN(a, n)));
  await waitFor(() => a.outbox.list().length === 3);
  a.close();
  expect(first.map((r) => (r.errors[0] as { code?: string })?.code)).toEqual(['E_CLOSED', 'E_CLOSED', 'E_CLOSED']);

  const b = make('KIOSK-KEY', { store });
  const outcomes = record(b.outbox.outcomes$);
  // Sent before the store is even restored: they wait for the restored ones.
  const later = [4, 5].map((n) => record(sendN(b, n)));
  await b.outbox.loaded;
  expect(b.outbox.list().map((p) => [(p.data as { n: number }).n, p.restored])).toEqual([
    [1, true],
    [2, true],
    [3, true],
    [4, false],
    [5, false],
  ]);
  const display = make('DISPLAY-KEY');
  const got = record(display.command$('n'));
  await waitFor(() => later.every((r) => r.values.length === 1), { timeout: 8000 });
  await waitFor(() => got.values.length === 5);
  expect(ns(got.values)).toEqual([1, 2, 3, 4, 5]);
  expect(outcomes.values.map((o: DeliveryOutcome) => [o.status, o.restored])).toEqual([
    ['delivered', true],
    ['delivered', true],
    ['delivered', true],
    ['delivered', false],
    ['delivered', false],
  ]);
  expect(b.outbox.list()).toEqual([]);
});

it('list and cancel: a cancelled send is never delivered, its subscriber learns it, outcomes$ says so', async () => {
  const kiosk = make('KIOSK-KEY', { store: memoryStore() });
  const outcomes = record(kiosk.outbox.outcomes$);
  const one = record(sendN(kiosk, 1));
  const two = record(sendN(kiosk, 2));
  await kiosk.outbox.loaded;
  const [p1] = kiosk.outbox.list();
  expect(kiosk.outbox.cancel(p1.id)).toBe(true);
  expect(kiosk.outbox.cancel(p1.id)).toBe(false);
  expect((one.errors[0] as { code: string }).code).toBe('E_UNCONFIRMED');
  expect(outcomes.values[0]).toMatchObject({ status: 'cancelled', id: p1.id, restored: false });
  const display = make('DISPLAY-KEY');
  const got = record(display.command$('n'));
  await waitFor(() => two.values.length === 1, { timeout: 8000 });
  expect(ns(got.values)).toEqual([2]);
});

it('bounded: one send past maxEntries fails with E_OUTBOX_FULL; an expired send is dropped on load', async () => {
  const store = memoryStore({ maxEntries: 2 });
  const kiosk = make('KIOSK-KEY', { store });
  const errors = record(kiosk.errors$);
  const sends = [1, 2, 3].map((n) => record(sendN(kiosk, n)));
  // (the engine's code loads on first use: a turn later)
  await waitFor(() => sends[2].errors.length === 1, { timeout: 2000 });
  expect((sends[2].errors[0] as { code: string }).code).toBe('E_OUTBOX_FULL');
  expect(errors.values.map((e) => e.code)).toContain('E_OUTBOX_FULL');
  await firstValueFrom(kiosk.send({ receiver: 'nobody', command: 'x', data: 1 }, { delivery: 'confirmed', ttl: 1 })).catch(() => undefined);
  kiosk.close();

  // Reopened after the deadline of a short one.
  const store2 = memoryStore();
  const k2 = make('KIOSK-KEY', { store: store2 });
  await k2.outbox.loaded; // (a send made before the engine's code has loaded waits for it: close() would fail it E_CLOSED, unstored)
  record(k2.send({ receiver: 'nobody', command: 'short', data: 1 }, { delivery: 'confirmed', ttl: 60 }));
  k2.close();
  await new Promise((r) => setTimeout(r, 80));
  const k3 = make('KIOSK-KEY', { store: store2 });
  const outcomes = record(k3.outbox.outcomes$);
  await k3.outbox.loaded;
  expect(k3.outbox.list()).toEqual([]);
  expect(outcomes.values).toEqual([expect.objectContaining({ status: 'unconfirmed', command: 'short', restored: true })]);
});

it('the file store never holds the productkey or the token', async () => {
  const path = join(dir, 'kiosk.store');
  const kiosk = make('KIOSK-KEY', { store: fileStore(path) });
  await untilStatus(kiosk, 'ready');
  record(sendN(kiosk, 1));
  const text = readFileSync(path, 'utf8');
  expect(text).toContain('"n":1');
  expect(text).not.toMatch(/KIOSK-KEY|token|productkey/i);
});
