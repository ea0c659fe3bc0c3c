import * as t from 'io-ts';
import { TestScheduler } from 'rxjs/testing';
import { ofCommand } from '../../lib/operators/of-command';
import { RexsysDecodeError } from '../../lib/errors';
import type { RexsysMessage } from '../../lib/protocol/codecs';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const m = (command: string, data: unknown): RexsysMessage => ({ command, data });

describe('ofCommand (marbles)', () => {
  it('keeps only the named command', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const source = hot('-a-b-c-|', { a: m('show', 1), b: m('hide', 2), c: m('show', 3) });
      expectObservable(source.pipe(ofCommand('show'))).toBe('-a---c-|', { a: m('show', 1), c: m('show', 3) });
    });
  });

  it('decodes data with a codec and skips what fails, reporting it', () => {
    const Show = t.type({ url: t.string });
    const errors: RexsysDecodeError[] = [];
    scheduler().run(({ hot, expectObservable }) => {
      const source = hot('-a-b-c-|', { a: m('show', { url: '/x' }), b: m('show', { url: 7 }), c: m('show', '{"url":"/y"}') });
      expectObservable(source.pipe(ofCommand('show', Show, { onDecodeError: (e) => errors.push(e) }))).toBe('-a-----|', {
        a: m('show', { url: '/x' }),
      });
    });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(RexsysDecodeError);
    expect(errors[0].code).toBe('E_DECODE');
    expect(errors[0].raw).toEqual(m('show', { url: 7 }));
    expect(errors[0].issues[0]).toMatchObject({ path: 'url', expected: 'string', actual: 7 });
    expect(errors[0].message).toContain('at url: expected string, got 7');
  });

  it('passes errors and completion through', () => {
    scheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot('-a-#', { a: m('x', 1) }).pipe(ofCommand('y'))).toBe('---#');
    });
  });
});
