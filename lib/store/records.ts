/**
 * What every store shares: the in-memory mirror of a store's contents
 * ({@link StoreState}: changes applied in order), the validation of a stored record (a
 * hand-edited or damaged record is refused, never trusted), and the record framing of
 * the file store (one line per record, with a CRC-32).
 */
import type { Via } from '../client/types.js';
import type { StoreChange, StoreSnapshot, StoredSend, StoredWindow } from './types.js';

const sendKey = (epoch: string, receiver: string, seq: number) => `${epoch}\0${receiver}\0${seq}`;
const windowKey = (sender: string, epoch: string) => `${sender}\0${epoch}`;

/** A store's contents in memory; `apply` replays changes in order. */
export class StoreState {
  readonly sends = new Map<string, StoredSend>();
  readonly windows = new Map<string, StoredWindow>();
  /** The key of the window applied last (a receiver writes the same one again and again). */
  private last: { sender: string; epoch: string; key: string } | undefined;

  apply(c: StoreChange): void {
    switch (c.op) {
      case 'send':
        this.sends.set(sendKey(c.send.epoch, c.send.receiver, c.send.seq), c.send);
        break;
      case 'done':
        this.sends.delete(sendKey(c.epoch, c.receiver, c.seq));
        break;
      case 'window': {
        const { sender, epoch } = c.window;
        let last = this.last;
        if (last === undefined || last.sender !== sender || last.epoch !== epoch) this.last = last = { sender, epoch, key: windowKey(sender, epoch) };
        this.windows.set(last.key, c.window);
        break;
      }
      case 'forget':
        this.windows.delete(windowKey(c.sender, c.epoch));
        break;
    }
  }

  /** Sends in the order they were first stored (per receiver: epoch by epoch, seq ascending). */
  snapshot(): StoreSnapshot {
    return { sends: [...this.sends.values()], windows: [...this.windows.values()] };
  }

  /** The changes that rebuild this state (compaction). */
  changes(): StoreChange[] {
    return [
      ...[...this.sends.values()].map((send): StoreChange => ({ op: 'send', send })),
      ...[...this.windows.values()].map((window): StoreChange => ({ op: 'window', window })),
    ];
  }

  /** Drops sends whose deadline passed; returns them. */
  dropExpired(now: number): StoredSend[] {
    const gone: StoredSend[] = [];
    for (const [k, s] of this.sends) {
      if (s.expires <= now) {
        gone.push(s);
        this.sends.delete(k);
      }
    }
    return gone;
  }
}

const isText = (v: unknown, max = 1024): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const VIAS: readonly Via[] = ['auto', 'socket', 'rest'];

/** A stored change as a plain JSON object (short keys: the file stays small). */
export function encodeChange(c: StoreChange): Record<string, unknown> {
  switch (c.op) {
    case 'send': {
      const s = c.send;
      return { t: 'send', e: s.epoch, r: s.receiver, s: s.seq, id: s.id, c: s.command, x: s.expires, v: s.via, to: s.timeout, ttl: s.ttl, d: s.data };
    }
    case 'done':
      return { t: 'done', e: c.epoch, r: c.receiver, s: c.seq };
    case 'window': {
      const w = c.window;
      return { t: 'win', f: w.sender, e: w.epoch, n: w.next, x: w.latestExpiry, l: w.lastSeen };
    }
    case 'forget':
      return { t: 'forget', f: c.sender, e: c.epoch };
  }
}

/** The inverse of {@link encodeChange}; a string saying what is wrong for anything else. */
export function decodeChange(o: unknown): StoreChange | string {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'not an object';
  const r = o as Record<string, unknown>;
  switch (r.t) {
    case 'send':
      if (!isText(r.e) || !isText(r.r) || !isSeq(r.s) || !isText(r.id) || !isText(r.c) || !isTime(r.x)) return 'a send with missing or wrong fields';
      if (!VIAS.includes(r.v as Via) || !isTime(r.to) || !isTime(r.ttl) || !('d' in r)) return 'a send with missing or wrong fields';
      return {
        op: 'send',
        send: { epoch: r.e, receiver: r.r, seq: r.s, id: r.id, command: r.c, expires: r.x, via: r.v as Via, timeout: r.to, ttl: r.ttl, data: r.d },
      };
    case 'done':
      if (!isText(r.e) || !isText(r.r) || !isSeq(r.s)) return 'a "done" with missing or wrong fields';
      return { op: 'done', epoch: r.e, receiver: r.r, seq: r.s };
    case 'win':
      if (!isText(r.f) || !isText(r.e) || !isSeq(r.n) || !isTime(r.x) || !isTime(r.l)) return 'a window with missing or wrong fields';
      return { op: 'window', window: { sender: r.f, epoch: r.e, next: r.n, latestExpiry: r.x, lastSeen: r.l } };
    case 'forget':
      if (!isText(r.f) || !isText(r.e)) return 'a "forget" with missing or wrong fields';
      return { op: 'forget', sender: r.f, epoch: r.e };
    default:
      return `unknown record type ${JSON.stringify(r.t)?.slice(0, 20)}`;
  }
}

/** The JSON of a send's record, as stored; its length counts against `maxBytes`. */
export function sendJson(send: StoredSend): string {
  return JSON.stringify(encodeChange({ op: 'send', send }));
}

/** Bytes a send counts against `maxBytes` (its JSON, as stored). */
export function sizeOf(send: StoredSend): number {
  return sendJson(send).length;
}

// ── the file store's framing: `<crc32 of the JSON, 8 hex> <JSON>\n` ──

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 (IEEE) of a string's UTF-8 bytes (as `TextEncoder` makes them: a lone surrogate
 * counts as U+FFFD), computed from the code units without encoding the string first.
 */
export function crc32(text: string): number {
  return (crc32Update(0xffffffff, text) ^ 0xffffffff) >>> 0;
}

/** The running CRC register (start: 0xffffffff) after `text` too; `crc32` finishes it. */
function crc32Update(c: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    let u = text.charCodeAt(i);
    if (u < 0x80) {
      c = CRC_TABLE[(c ^ u) & 0xff] ^ (c >>> 8);
      continue;
    }
    if (u >= 0xd800 && u <= 0xdfff) {
      const lo = u <= 0xdbff && i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else u = 0xfffd;
    }
    if (u < 0x800) {
      c = CRC_TABLE[(c ^ (0xc0 | (u >> 6))) & 0xff] ^ (c >>> 8);
    } else if (u < 0x10000) {
      c = CRC_TABLE[(c ^ (0xe0 | (u >> 12))) & 0xff] ^ (c >>> 8);
      c = CRC_TABLE[(c ^ (0x80 | ((u >> 6) & 0x3f))) & 0xff] ^ (c >>> 8);
    } else {
      c = CRC_TABLE[(c ^ (0xf0 | (u >> 18))) & 0xff] ^ (c >>> 8);
      c = CRC_TABLE[(c ^ (0x80 | ((u >> 12) & 0x3f))) & 0xff] ^ (c >>> 8);
      c = CRC_TABLE[(c ^ (0x80 | ((u >> 6) & 0x3f))) & 0xff] ^ (c >>> 8);
    }
    c = CRC_TABLE[(c ^ (0x80 | (u & 0x3f))) & 0xff] ^ (c >>> 8);
  }
  return c;
}

/** The first line of every store file. */
export const FILE_HEADER = { 'rexsys-rx-store': 1 } as const;

/** Two lowercase hex digits per byte value (`crc.toString(16).padStart(8, '0')`, a byte at a time). */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** One record as a line of the file. */
export function frame(record: unknown): string {
  return line(JSON.stringify(record));
}

/** A record's JSON as a line of the file. */
const line = (json: string): string => `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;

/** `frame(encodeChange(c))`: one change as a line of the file (a new send's from the JSON it carries). */
export function frameChange(c: StoreChange): string {
  return c.op === 'send' && c.json !== undefined ? line(c.json) : frame(encodeChange(c));
}

/**
 * Frames changes as {@link frameChange} does, the same bytes. A receiver writes its
 * window once per message it hands over, nearly always for the sender it wrote last:
 * that record's JSON is written out directly, its constant start (and the CRC over it)
 * kept from the last one.
 */
export class LineFramer {
  private sender: string | undefined;
  private epoch: string | undefined;
  private head = '';
  private headCrc = 0;
  // The deadline and the time of the last one, as text: many messages share a millisecond.
  private x = NaN;
  private xText = '';
  private l = NaN;
  private lText = '';

  frame(c: StoreChange): string {
    if (c.op !== 'window') return frameChange(c);
    const w = c.window;
    if (!Number.isFinite(w.next) || !Number.isFinite(w.latestExpiry) || !Number.isFinite(w.lastSeen)) return frameChange(c);
    if (w.sender !== this.sender || w.epoch !== this.epoch) {
      this.sender = w.sender;
      this.epoch = w.epoch;
      this.head = `{"t":"win","f":${JSON.stringify(w.sender)},"e":${JSON.stringify(w.epoch)},"n":`;
      this.headCrc = crc32Update(0xffffffff, this.head);
    }
    if (w.latestExpiry !== this.x) this.xText = String((this.x = w.latestExpiry));
    if (w.lastSeen !== this.l) this.lText = String((this.l = w.lastSeen));
    const tail = `${w.next},"x":${this.xText},"l":${this.lText}}`;
    const crc = (crc32Update(this.headCrc, tail) ^ 0xffffffff) >>> 0;
    return `${HEX[crc >>> 24]}${HEX[(crc >>> 16) & 0xff]}${HEX[(crc >>> 8) & 0xff]}${HEX[crc & 0xff]} ${this.head}${tail}\n`;
  }
}

export interface ParsedLog {
  readonly state: StoreState;
  /** Records kept. */
  readonly records: number;
  /** What was skipped: line number (1-based) and why. */
  readonly problems: ReadonlyArray<{ readonly line: number; readonly reason: string }>;
}

/**
 * Reads a whole store file: every intact record is applied, in order; a line that
 * fails its CRC, does not parse or is not a valid record is skipped and listed, and so
 * is a last line without its newline (a write cut short). Never throws.
 */
export function parseLog(text: string): ParsedLog {
  const state = new StoreState();
  const problems: Array<{ line: number; reason: string }> = [];
  let records = 0;
  if (text.length === 0) return { state, records, problems };
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  if (complete) lines.pop();
  lines.forEach((line, i) => {
    const n = i + 1;
    if (!complete && i === lines.length - 1) {
      problems.push({ line: n, reason: `a last record cut short (${line.length} characters, no newline)` });
      return;
    }
    const m = /^([0-9a-f]{8}) (.*)$/s.exec(line);
    if (!m) {
      problems.push({ line: n, reason: 'not a "<crc> <json>" line' });
      return;
    }
    if (parseInt(m[1], 16) !== crc32(m[2])) {
      problems.push({ line: n, reason: 'checksum mismatch' });
      return;
    }
    let o: unknown;
    try {
      o = JSON.parse(m[2]);
    } catch {
      problems.push({ line: n, reason: 'not JSON' });
      return;
    }
    if (n === 1 && typeof o === 'object' && o !== null && 'rexsys-rx-store' in o) {
      if ((o as Record<string, unknown>)['rexsys-rx-store'] !== 1) problems.push({ line: n, reason: 'unknown format version' });
      return;
    }
    const c = decodeChange(o);
    if (typeof c === 'string') {
      problems.push({ line: n, reason: c });
      return;
    }
    state.apply(c);
    records++;
  });
  return { state, records, problems };
}
