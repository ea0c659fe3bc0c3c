/** Wire format v1: round trips, plain data, and malformed or forged envelopes. */
import * as fc from 'fast-check';
import { CONFIRM_COMMAND, ENVELOPE_KEY, confirmEnvelope, messageEnvelope, parseEnvelope } from '../../lib/delivery/envelope';
import { SEED } from '../support/fault-kit';

// One fixed seed per run (REXSYS_SEED replays another), so CI runs are reproducible.
fc.configureGlobal({ seed: SEED });

const good = { epoch: 'e1', seq: 3, floor: 1, id: 'id-1', expires: 1_800_000_000_000, data: { url: '/a' } };

describe('envelope v1', () => {
  it('round-trips a message and a confirmation through JSON', () => {
    const m = JSON.parse(JSON.stringify(messageEnvelope(good))) as unknown;
    expect(parseEnvelope('show', m)).toEqual({ kind: 'message', envelope: messageEnvelope(good) });
    const c = JSON.parse(JSON.stringify(confirmEnvelope('e1', 7))) as unknown;
    expect(parseEnvelope(CONFIRM_COMMAND, c)).toEqual({ kind: 'confirm', envelope: confirmEnvelope('e1', 7) });
  });

  it('is exactly the documented shape', () => {
    expect(messageEnvelope(good)).toEqual({ 'rexsys-rx': 1, kind: 'message', ...good });
    expect(confirmEnvelope('e1', 7)).toEqual({ 'rexsys-rx': 1, kind: 'confirm', epoch: 'e1', upTo: 7 });
  });

  it('leaves data without the marker alone', () => {
    for (const d of [null, 1, 'x', [1], { a: 1 }, { kind: 'message', seq: 1 }]) expect(parseEnvelope('show', d)).toEqual({ kind: 'plain' });
  });

  it.each([
    ['a newer version', { ...messageEnvelope(good), [ENVELOPE_KEY]: 2 }],
    ['a string seq', { ...messageEnvelope(good), seq: '3' }],
    ['a negative seq', { ...messageEnvelope(good), seq: -1 }],
    ['a huge seq', { ...messageEnvelope(good), seq: 2 ** 60 }],
    ['a fractional seq', { ...messageEnvelope(good), seq: 1.5 }],
    ['a floor above seq', { ...messageEnvelope(good), floor: 4 }],
    ['a huge id', { ...messageEnvelope(good), id: 'x'.repeat(10_000) }],
    ['an empty epoch', { ...messageEnvelope(good), epoch: '' }],
    ['an object epoch', { ...messageEnvelope(good), epoch: { a: 1 } }],
    ['expires NaN', { ...messageEnvelope(good), expires: 'soon' }],
    ['no data', (({ data: _d, ...rest }) => rest)(messageEnvelope(good))],
    ['a confirm outside the reserved command', confirmEnvelope('e', 1)],
  ])('rejects %s', (_, data) => {
    expect(parseEnvelope('show', data)).toMatchObject({ kind: 'invalid' });
  });

  it('rejects bad confirmations', () => {
    expect(parseEnvelope(CONFIRM_COMMAND, 'x')).toMatchObject({ kind: 'invalid' });
    expect(parseEnvelope(CONFIRM_COMMAND, { ...confirmEnvelope('e', 1), upTo: -1 })).toMatchObject({ kind: 'invalid' });
    expect(parseEnvelope(CONFIRM_COMMAND, messageEnvelope(good))).toMatchObject({ kind: 'invalid' });
  });

  it('property: never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(CONFIRM_COMMAND), fc.string()),
        fc.oneof(
          fc.anything(),
          fc.record({ [ENVELOPE_KEY]: fc.anything(), kind: fc.anything(), epoch: fc.anything(), seq: fc.anything(), upTo: fc.anything() }),
        ),
        (command, data) => {
          const r = parseEnvelope(command, data);
          expect(['plain', 'message', 'confirm', 'invalid']).toContain(r.kind);
        },
      ),
    );
  });
});
