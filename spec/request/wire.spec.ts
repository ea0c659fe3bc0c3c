/** The request/reply wire format and the reply cache, as pure functions (no network). */
import fc from 'fast-check';
import { ReplyCache } from '../../lib/request/reply-cache';
import { failureMessage } from '../../lib/request/request-errors';
import { REPLY_COMMAND, REQUEST_COMMAND, RPC_KEY, parseRpc, replyPayload, requestPayload } from '../../lib/request/wire';
import { parseEnvelope } from '../../lib/delivery/envelope';

describe('request/reply wire v1', () => {
  it('round-trips a request and both kinds of reply', () => {
    const req = requestPayload({ id: 'r1', command: 'showing', timeout: 3000, data: { what: 'screen' } });
    expect(req).toEqual({ [RPC_KEY]: 1, kind: 'request', id: 'r1', command: 'showing', timeout: 3000, data: { what: 'screen' } });
    expect(parseRpc(REQUEST_COMMAND, JSON.parse(JSON.stringify(req)))).toEqual({ kind: 'request', payload: req });
    const ok = replyPayload('r1', { ok: true, data: null });
    expect(parseRpc(REPLY_COMMAND, ok)).toEqual({ kind: 'reply', payload: ok });
    const failed = replyPayload('r1', { ok: false, message: 'x'.repeat(2000) });
    expect(failed).toMatchObject({ ok: false, error: { message: 'x'.repeat(500) } });
    expect(parseRpc(REPLY_COMMAND, failed)).toEqual({ kind: 'reply', payload: failed });
  });

  it('absent data (JSON drops undefined) is undefined, not an error', () => {
    expect(parseRpc(REPLY_COMMAND, JSON.parse(JSON.stringify(replyPayload('a', { ok: true, data: undefined }))))).toMatchObject({
      kind: 'reply',
      payload: { ok: true, data: undefined },
    });
    expect(parseRpc(REQUEST_COMMAND, JSON.parse(JSON.stringify(requestPayload({ id: 'a', command: 'c', timeout: 5, data: undefined }))))).toMatchObject({
      kind: 'request',
    });
  });

  it('a plain request is not a delivery envelope (the engine lets it through)', () => {
    expect(parseEnvelope(REQUEST_COMMAND, requestPayload({ id: 'a', command: 'c', timeout: 1, data: 1 }))).toEqual({ kind: 'plain' });
    expect(parseEnvelope(REPLY_COMMAND, replyPayload('a', { ok: true, data: 1 }))).toEqual({ kind: 'plain' });
  });

  it('refuses malformed and forged payloads with a reason', () => {
    const base = requestPayload({ id: 'a', command: 'c', timeout: 1000, data: 1 });
    const bad: Array<[string, unknown]> = [
      [REQUEST_COMMAND, null],
      [REQUEST_COMMAND, [1]],
      [REQUEST_COMMAND, { ...base, [RPC_KEY]: 2 }],
      [REQUEST_COMMAND, { ...base, kind: 'reply' }],
      [REQUEST_COMMAND, { ...base, id: 'x'.repeat(129) }],
      [REQUEST_COMMAND, { ...base, command: '' }],
      [REQUEST_COMMAND, { ...base, timeout: -1 }],
      [REQUEST_COMMAND, { ...base, timeout: 1e12 }],
      [REPLY_COMMAND, { [RPC_KEY]: 1, kind: 'reply', to: 'a', ok: 'yes' }],
      [REPLY_COMMAND, { [RPC_KEY]: 1, kind: 'reply', to: 5, ok: true, data: 1 }],
    ];
    for (const [command, data] of bad) expect(parseRpc(command, data)).toMatchObject({ kind: 'invalid', reason: expect.any(String) });
  });

  it('parsing is total: any value gives a request, a reply or invalid, never a throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(REQUEST_COMMAND, REPLY_COMMAND, 'other'), fc.anything(), (command, data) => {
        expect(['request', 'reply', 'invalid']).toContain(parseRpc(command, data).kind);
      }),
      { seed: 20240624, numRuns: 500 },
    );
  });

  it('a failure travels as its message only', () => {
    const e = new Error('no paper');
    e.stack = 'secret stack';
    expect(failureMessage(e)).toBe('no paper');
    expect(failureMessage('plain text')).toBe('plain text');
    expect(failureMessage({ message: 'shaped' })).toBe('shaped');
    expect(failureMessage(42)).toBe('the handler failed');
  });
});

describe('ReplyCache', () => {
  it('is bounded, least recently used out first, keyed by sender and id', () => {
    const cache = new ReplyCache(3);
    cache.set('a', '1', { state: 'running' });
    cache.set('b', '1', { state: 'running' });
    cache.set('a', '2', { state: 'running' });
    expect(cache.get('a', '1')).toEqual({ state: 'running' }); // touched: now most recent
    cache.set('a', '3', { state: 'running' });
    expect(cache.size).toBe(3);
    expect(cache.get('b', '1')).toBeUndefined();
    expect(cache.get('a', '1')).toBeDefined();
  });

  it('never grows past its capacity', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 200 }), (keys) => {
        const cache = new ReplyCache(16);
        for (const [s, id] of keys) cache.set(s, id, { state: 'running' });
        expect(cache.size).toBeLessThanOrEqual(16);
      }),
      { seed: 20240624, numRuns: 100 },
    );
  });
});
