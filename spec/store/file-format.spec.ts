/**
 * The file store's format and recovery, without a server and without sleeping: the
 * framing (CRC per line), a truncated or damaged file loads what is intact and reports
 * the rest (once: the file is rewritten clean), the lock (same process, a live and a
 * dead owner), and the store never holds credentials.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RexsysStoreError, type RexsysError } from '../../lib/index';
import { fileStore } from '../../lib/node/index';
import * as fc from 'fast-check';
import { crc32, frame, parseLog, encodeChange, FILE_HEADER, LineFramer, sendJson, sizeOf } from '../../lib/store/records';
import type { StoreChange, StoreConnection, StoredSend } from '../../lib/store/types';
import { SEED } from '../support/fault-kit';
import { memoryStore } from '../../lib/store/memory-store';

const send = (seq: number, over: Partial<StoredSend> = {}): StoredSend => ({
  epoch: 'E1',
  receiver: 'display-01',
  seq,
  id: `id-${seq}`,
  command: 'show',
  data: { n: seq, text: '한국어 ✓' },
  expires: 4_000_000_000_000,
  via: 'auto',
  timeout: 15_000,
  ttl: 60_000,
  ...over,
});

// One fixed seed per run (REXSYS_SEED replays another), so CI runs are reproducible.
fc.configureGlobal({ seed: SEED });

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rexsys-store-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (path: string, errors: RexsysError[] = []): StoreConnection =>
  fileStore(path).open({ report: (e) => errors.push(e), now: () => 0 }) as StoreConnection;

describe('framing', () => {
  it('CRC-32 of the IEEE polynomial (UTF-8)', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  it('CRC-32 over the UTF-8 bytes TextEncoder makes (a lone surrogate as U+FFFD), for any string', () => {
    const reference = (text: string) => {
      let c = 0xffffffff;
      for (const b of new TextEncoder().encode(text)) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    for (const text of ['한국어 ✓', '😀x', '\ud800', 'a\udc00b', '\ud800\ud800\udc00', '\udbff\udfff', 'x\udc00\ud800', '\u07ff\u0800\uffff'])
      expect(crc32(text)).toBe(reference(text));
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), (text) => crc32(text) === reference(text)));
  });

  it('the line framer writes every change as frame(encodeChange(…)) would, byte for byte (window records written directly)', () => {
    const text = fc.oneof(fc.constantFrom('kiosk-01', 'K'), fc.string({ minLength: 1 }), fc.string({ unit: 'binary', minLength: 1 }));
    const time = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1_796_284_800_000, Infinity, NaN, -0));
    const window = fc
      .record({ sender: text, epoch: text, next: fc.nat(), latestExpiry: time, lastSeen: time })
      .map((w): StoreChange => ({ op: 'window', window: w }));
    const other = fc.constantFrom<StoreChange>(
      { op: 'send', send: send(1) },
      { op: 'done', epoch: 'E1', receiver: 'r', seq: 1 },
      { op: 'forget', sender: 's', epoch: 'e' },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(window, window, other), { maxLength: 30 }), (changes) => {
        const framer = new LineFramer();
        for (const c of changes) expect(framer.frame(c)).toBe(frame(encodeChange(c)));
      }),
    );
  });

  it("a new send carries the JSON it was measured by, and is framed from it: its data serialised once, the line byte for byte frame(encodeChange(…))'s", () => {
    let passes = 0;
    const data = { toJSON: () => (passes++, { n: 1, text: '한국어 ✓' }) };
    const st = send(7, { data });
    const expected = frame(encodeChange({ op: 'send', send: st }));
    passes = 0;
    const json = sendJson(st);
    const line = new LineFramer().frame({ op: 'send', send: st, json });
    expect(passes).toBe(1);
    expect(line).toBe(expected);
    expect(sizeOf(st)).toBe(expected.length - 10); // "<8 hex> " and "\n" around the JSON
    // a send change without its JSON is serialised for its line as before
    passes = 0;
    expect(new LineFramer().frame({ op: 'send', send: st })).toBe(expected);
    expect(passes).toBe(1);
  });

  it('parseLog applies intact records in order and lists every damaged one', () => {
    const changes: StoreChange[] = [
      { op: 'send', send: send(0) },
      { op: 'send', send: send(1) },
      { op: 'done', epoch: 'E1', receiver: 'display-01', seq: 0 },
      { op: 'window', window: { sender: 'kiosk-01', epoch: 'K', next: 7, latestExpiry: 5, lastSeen: 1 } },
    ];
    const good = frame(FILE_HEADER) + changes.map((c) => frame(encodeChange(c))).join('');
    const ok = parseLog(good);
    expect(ok.problems).toEqual([]);
    expect([...ok.state.sends.values()].map((s) => s.seq)).toEqual([1]);
    expect([...ok.state.windows.values()][0].next).toBe(7);
    expect([...ok.state.sends.values()][0].data).toEqual({ n: 1, text: '한국어 ✓' });

    // A hand edit (checksum no longer matches), garbage, a wrong record and a cut-short tail.
    const lines = good.split('\n');
    lines[2] = lines[2].replace('"n":1', '"n":2');
    const damaged = [...lines.slice(0, 4), 'garbage', `${frame({ t: 'send', e: 'E1' })}`.trimEnd(), lines[4], '0badc0de {"t":"do'].join('\n');
    const r = parseLog(damaged);
    expect(r.problems.map((p) => p.reason)).toEqual([
      'checksum mismatch',
      'not a "<crc> <json>" line',
      'a send with missing or wrong fields',
      expect.stringMatching(/cut short/),
    ]);
    expect([...r.state.windows.values()]).toHaveLength(1);
  });
});

describe('fileStore', () => {
  it('a send written is in the file before write() returns; it is there when opened again', () => {
    const path = join(dir, 'sub', 'kiosk.store');
    const a = open(path);
    expect(a.snapshot.sends).toEqual([]);
    a.write([
      { op: 'send', send: send(0) },
      { op: 'send', send: send(1) },
    ]);
    expect(readFileSync(path, 'utf8')).toContain('"id":"id-1"');
    a.write([{ op: 'done', epoch: 'E1', receiver: 'display-01', seq: 0 }]);
    a.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const b = open(path);
    expect(b.snapshot.sends.map((s) => s.id)).toEqual(['id-1']);
    b.close();
  });

  it('a truncated and a corrupted file: the intact records load, the rest is reported once (E_STORE), the damaged file is kept', () => {
    const path = join(dir, 'kiosk.store');
    const a = open(path);
    a.write([0, 1, 2, 3].map((i): StoreChange => ({ op: 'send', send: send(i) })));
    a.close();
    const text = readFileSync(path, 'utf8');
    // Power cut mid-write: the last record cut in half.
    writeFileSync(path, text.slice(0, text.length - 30));
    const errors: RexsysError[] = [];
    const b = open(path, errors);
    expect(b.snapshot.sends.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RexsysStoreError);
    expect(errors[0].code).toBe('E_STORE');
    expect(errors[0].message).toMatch(/1 damaged record.*cut short.*3 intact/);
    expect(readdirSync(dir).some((f) => f.startsWith('kiosk.store.corrupt-'))).toBe(true);
    b.close();
    // Opened again: clean, nothing to report (no crash loop, no report loop).
    const again: RexsysError[] = [];
    open(path, again).close();
    expect(again).toEqual([]);

    // Corruption in the middle (a flipped byte) and binary junk appended.
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = lines[2].replace('id-1', 'id-X');
    writeFileSync(path, lines.join('\n'));
    appendFileSync(path, Buffer.from([0, 0, 0, 0xff, 0x0a]));
    const errors2: RexsysError[] = [];
    const c = open(path, errors2);
    expect(c.snapshot.sends.map((s) => s.seq)).toEqual([0, 2]);
    expect(errors2.map((e) => e.code)).toEqual(['E_STORE']);
    c.close();
  });

  it('a file that is not a store at all loads as empty and is reported', () => {
    const path = join(dir, 'x.store');
    writeFileSync(path, '{"this is": "not a store"}\n');
    const errors: RexsysError[] = [];
    const s = open(path, errors);
    expect(s.snapshot).toEqual({ sends: [], windows: [] });
    expect(errors.map((e) => e.code)).toEqual(['E_STORE']);
    s.close();
  });

  it('compacts: the file does not grow with every send ever made', () => {
    const path = join(dir, 'kiosk.store');
    const s = open(path);
    for (let i = 0; i < 5000; i++) {
      s.write([{ op: 'send', send: send(i) }]);
      s.write([{ op: 'done', epoch: 'E1', receiver: 'display-01', seq: i }]);
    }
    s.write([{ op: 'send', send: send(9999) }]);
    expect(readFileSync(path, 'utf8').split('\n').length).toBeLessThan(1100);
    s.close();
    const again = open(path);
    expect(again.snapshot.sends.map((x) => x.seq)).toEqual([9999]);
    again.close();
  });

  it('one client per store: the same process, a live process → E_STORE_LOCKED; a dead owner’s lock is taken over', async () => {
    const path = join(dir, 'kiosk.store');
    const a = open(path);
    expect(() => open(path)).toThrow(expect.objectContaining({ code: 'E_STORE_LOCKED' }));
    a.close();

    // A live process holds it.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      writeFileSync(`${path}.lock`, JSON.stringify({ pid: sleeper.pid, host: hostname(), since: 0 }));
      let error: unknown;
      try {
        open(path);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RexsysStoreError);
      expect((error as RexsysStoreError).code).toBe('E_STORE_LOCKED');
      expect((error as Error).message).toContain(`process ${sleeper.pid}`);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
    // Now it is dead: taken over.
    const b = open(path);
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    b.close();
  });

  it('memoryStore: one client at a time', () => {
    const m = memoryStore();
    const ctx = { report: () => undefined, now: () => 0 };
    const a = m.open(ctx) as StoreConnection;
    expect(() => m.open(ctx)).toThrow(expect.objectContaining({ code: 'E_STORE_LOCKED' }));
    a.write([{ op: 'send', send: send(3) }]);
    a.close();
    expect((m.open(ctx) as StoreConnection).snapshot.sends.map((s) => s.seq)).toEqual([3]);
  });
});
