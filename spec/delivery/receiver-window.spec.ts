/** The receiver window as a pure function: unit cases and fast-check properties. */
import * as fc from 'fast-check';
import { freshWindow, receive, type Arrival, type ReceiverWindowState } from '../../lib/delivery/receiver-window';
import { SEED } from '../support/fault-kit';

// One fixed seed per run (REXSYS_SEED replays another), so CI runs are reproducible.
fc.configureGlobal({ seed: SEED });

const C = { window: 8, skewTolerance: 1000 };
const arrival = (seq: number, floor = 0, expires = 1e12): Arrival<number> => ({ seq, floor, expires, item: seq });
const yes = () => true;

function feed(seqs: ReadonlyArray<number | Arrival<number>>, handOver: (n: number) => boolean = yes, start: ReceiverWindowState<number> = freshWindow(0, 0)) {
  let s = start;
  const out: number[] = [];
  const steps = [];
  for (const x of seqs) {
    const step = receive(s, C, typeof x === 'number' ? arrival(x) : x, 0, handOver);
    steps.push(step);
    out.push(...step.delivered);
    s = step.state;
  }
  return { state: s, out, steps };
}

describe('receiver window', () => {
  it('hands over in order, buffering what comes early', () => {
    const { out, state, steps } = feed([1, 2, 0, 3]);
    expect(out).toEqual([0, 1, 2, 3]);
    expect(state.next).toBe(4);
    expect(state.buffer.size).toBe(0);
    expect(steps.map((s) => s.outcome)).toEqual(['buffered', 'buffered', 'delivered', 'delivered']);
    expect(steps.map((s) => s.confirm)).toEqual([false, false, true, true]);
  });

  it('drops duplicates and asks to confirm them again', () => {
    const { out, steps } = feed([0, 0, 1, 0, 1]);
    expect(out).toEqual([0, 1]);
    expect(steps.map((s) => s.outcome)).toEqual(['delivered', 'duplicate', 'delivered', 'duplicate', 'duplicate']);
    expect(steps[1].confirm).toBe(true);
  });

  it('a duplicate of a buffered message is not buffered twice', () => {
    const { state } = feed([2, 2, 2]);
    expect(state.buffer.size).toBe(1);
  });

  it('refuses a seq at or beyond next + window, without buffering it', () => {
    const { state, steps } = feed([8, 7, Number.MAX_SAFE_INTEGER]);
    expect(steps.map((s) => s.outcome)).toEqual(['beyond-window', 'buffered', 'beyond-window']);
    expect(state.buffer.size).toBe(1);
  });

  it("the sender's floor ends a wait: buffered messages below it are dropped as abandoned, later ones flow", () => {
    const { out, steps } = feed([1, 3, arrival(4, 3)]);
    expect(out).toEqual([3, 4]);
    expect(steps[2].dropped).toEqual([{ item: 1, expires: 1e12, reason: 'abandoned' }]);
  });

  it('does not advance past a message nobody takes; hands it over once someone does', () => {
    let listening = false;
    const r1 = feed([0, 1], () => listening);
    expect(r1.out).toEqual([]);
    expect(r1.state.next).toBe(0);
    expect(r1.steps.every((s) => !s.confirm)).toBe(true);
    listening = true;
    const r2 = feed([0], () => listening, r1.state);
    expect(r2.out).toEqual([0, 1]);
  });

  it('expiry on arrival honours the skew tolerance', () => {
    const at = (now: number, expires: number) => receive(freshWindow<number>(0, 0), C, arrival(0, 0, expires), now, yes);
    expect(at(1999, 1000).outcome).toBe('delivered');
    expect(at(2000, 1000).outcome).toBe('delivered');
    const late = at(2001, 1000);
    expect(late.outcome).toBe('expired');
    expect(late.confirm).toBe(false);
    expect(late.state.next).toBe(0);
  });

  it('a buffered message that expired while waiting is dropped, not handed over', () => {
    let s = receive(freshWindow<number>(0, 0), C, arrival(1, 0, 10), 0, yes).state;
    const step = receive(s, C, arrival(0, 0, 1e12), 5000, yes);
    expect(step.delivered).toEqual([0]);
    expect(step.dropped).toEqual([{ item: 1, expires: 10, reason: 'expired' }]);
    s = step.state;
    expect(s.next).toBe(1);
  });

  const schedule = fc
    .record({ n: fc.integer({ min: 1, max: 40 }), extra: fc.array(fc.nat(39), { maxLength: 80 }), order: fc.array(fc.nat(), { maxLength: 200 }) })
    .map(({ n, extra, order }) => {
      // Every seq 0..n-1 at least once, plus duplicates, in a random order.
      const all = [...Array.from({ length: n }, (_, i) => i), ...extra.filter((x) => x < n)];
      for (let i = all.length - 1; i > 0; i--) {
        const j = (order[i] ?? i) % (i + 1);
        [all[i], all[j]] = [all[j], all[i]];
      }
      return { n, all };
    });

  it('property: any arrival order with duplicates → each seq handed over exactly once, in order', () => {
    fc.assert(
      fc.property(schedule, ({ n, all }) => {
        const c = { window: 64, skewTolerance: 0 };
        let s = freshWindow<number>(0, 0);
        const out: number[] = [];
        for (const seq of all) {
          const step = receive(s, c, arrival(seq), 0, yes);
          out.push(...step.delivered);
          s = step.state;
          expect(s.buffer.size).toBeLessThanOrEqual(c.window);
          for (const k of s.buffer.keys()) expect(k).toBeGreaterThanOrEqual(s.next);
        }
        expect(out).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(s.buffer.size).toBe(0);
      }),
    );
  });

  it('property: with gaps the sender gave up on (floor), the output is increasing and never waits on a given-up seq', () => {
    fc.assert(
      fc.property(schedule, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), ({ n, all }, lost) => {
        // Lost seqs never arrive; every arrival carries the floor = lowest seq not lost and not yet arrived before it... i.e. the sender's view.
        const c = { window: 64, skewTolerance: 0 };
        const given = (seq: number) => lost[seq] && seq !== n - 1;
        let s = freshWindow<number>(0, 0);
        const out: number[] = [];
        for (const seq of all.filter((x) => !given(x))) {
          // The sender gave up on every lost seq below this one.
          let floor = 0;
          while (floor < seq && given(floor)) floor++;
          const step = receive(s, c, arrival(seq, Math.min(floor, seq)), 0, yes);
          out.push(...step.delivered);
          s = step.state;
        }
        for (let i = 1; i < out.length; i++) expect(out[i]).toBeGreaterThan(out[i - 1]);
        expect(new Set(out).size).toBe(out.length);
        for (const x of out) expect(given(x)).toBe(false);
      }),
    );
  });
});
