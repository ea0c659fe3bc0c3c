import { Subject, firstValueFrom, of, asapScheduler } from 'rxjs';
import type { RexsysMessage } from '../../lib/protocol/codecs';
import { ReliableOnDemand, needsReliable, type Reliable, type ReliableModule } from '../../lib/client/reliable-on-demand';
import { loadReliable } from '../support/load-reliable';

// The loader (lib/client/load-reliable.ts, mapped to spec/support/load-reliable.ts): counted, and made to fail on demand.
jest.mock('../support/load-reliable', () => {
  const actual = jest.requireActual<typeof import('../support/load-reliable')>('../support/load-reliable');
  return { loadReliable: jest.fn(actual.loadReliable) };
});
const loader = loadReliable as jest.MockedFunction<typeof loadReliable>;

const envelope = (seq: number): RexsysMessage => ({ command: 'show', sender: 'kiosk-01', data: { 'rexsys-rx': 1, kind: 'message', seq } });
const plain = (n: number): RexsysMessage => ({ command: 'show', sender: 'kiosk-01', data: { n } });

function setup() {
  const log: string[] = [];
  const reported: unknown[] = [];
  const fake = {
    engine: {
      receive: (m: RexsysMessage) => (log.push(`engine ${JSON.stringify(m.data)}`), needsReliable(m)),
      outcomes: new Subject(),
      dispose: () => log.push('dispose'),
      online: () => undefined,
      pendingSends: () => [],
      cancelSend: () => false,
    },
    rpc: { take: () => undefined },
  } as unknown as Reliable;
  const made: ReliableModule[] = [];
  const reliable = new ReliableOnDemand({
    make: (module) => {
      made.push(module);
      return fake;
    },
    receive: (r, m) => {
      if (!r.engine.receive(m)) log.push(`plain ${JSON.stringify(m.data)}`);
    },
    report: (e) => reported.push(e),
    scheduler: asapScheduler,
  });
  return { reliable, log, reported, made };
}

beforeEach(() => loader.mockClear());

it('never loads the code for plain messages', async () => {
  const { reliable } = setup();
  expect([1, 2, 3].map((n) => reliable.receive(plain(n)))).toEqual([false, false, false]);
  await new Promise((r) => setTimeout(r, 10));
  expect(loader).not.toHaveBeenCalled();
  expect(reliable.current).toBeUndefined();
});

it('loads on the first envelope; what arrives meanwhile waits, in order; plain messages never wait', async () => {
  const { reliable, log, made } = setup();
  expect(reliable.receive(envelope(0))).toBe(true);
  expect(reliable.receive(plain(1))).toBe(false); // the streams get it now
  expect(reliable.receive(envelope(1))).toBe(true);
  expect(reliable.receive({ command: 'rexsys-rx:confirm', data: {} })).toBe(true);
  expect(loader).toHaveBeenCalledTimes(1);
  await new Promise((r) => setTimeout(r, 10));
  expect(made).toHaveLength(1);
  expect(typeof made[0].DeliveryEngine).toBe('function');
  expect(log).toEqual(['engine {"rexsys-rx":1,"kind":"message","seq":0}', 'engine {"rexsys-rx":1,"kind":"message","seq":1}', 'engine {}']);
  // Loaded: straight in.
  expect(reliable.receive(envelope(2))).toBe(true);
  expect(log[3]).toBe('engine {"rexsys-rx":1,"kind":"message","seq":2}');
  expect(loader).toHaveBeenCalledTimes(1);
});

it('use() loads once for any number of callers; dispose before the load fails them with E_CLOSED', async () => {
  const { reliable } = setup();
  const a = firstValueFrom(reliable.use(() => of('a')));
  const b = firstValueFrom(reliable.use(() => of('b')));
  await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b']);
  expect(loader).toHaveBeenCalledTimes(1);

  const other = setup();
  const c = firstValueFrom(other.reliable.use(() => of('c')));
  other.reliable.dispose();
  await expect(c).rejects.toMatchObject({ code: 'E_CLOSED' });
});

it('a failed load is reported (E_INTERNAL) with what waited for it, and the next use tries again', async () => {
  loader.mockImplementationOnce(() => Promise.reject(new Error('chunk load failed')));
  const { reliable, reported, log } = setup();
  expect(reliable.receive(envelope(0))).toBe(true);
  await new Promise((r) => setTimeout(r, 10));
  expect(reported).toEqual([expect.objectContaining({ code: 'E_INTERNAL', message: expect.stringContaining('chunk load failed') })]);
  await expect(firstValueFrom(reliable.use(() => of('again')))).resolves.toBe('again');
  expect(loader).toHaveBeenCalledTimes(2);
  expect(log).toEqual([]); // the envelope that waited was dropped (its sender retransmits)
});
