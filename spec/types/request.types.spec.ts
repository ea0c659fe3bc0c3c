/**
 * Type tests of request/reply: checked by `tsc -p tsconfig.json` (spec/ is in its
 * include); the runtime part is a no-op. `commands` types a request's data, `replies`
 * (or a `codec`) its reply; a wrong type is a compile error.
 */
import { expectTypeOf } from 'expect-type';
import * as t from 'io-ts';
import { of, type Observable } from 'rxjs';
import { createRexsysClient, type RepliedRequest, type RexsysClient, type RexsysMessage } from '../../lib/index';

const Ask = t.type({ what: t.literal('screen') });
const Showing = t.type({ url: t.string, since: t.number });
const Pay = t.type({ amount: t.number });

// Never called: only its types matter.
function typeChecks(): void {
  const client = createRexsysClient({
    url: 'http://127.0.0.1:4100',
    project: 'demo',
    productkey: 'KIOSK-KEY',
    commands: { showing: Ask, pay: Pay },
    replies: { showing: Showing },
  });
  expectTypeOf(client).toEqualTypeOf<RexsysClient<{ showing: typeof Ask; pay: typeof Pay }, { showing: typeof Showing }>>();

  // --- request: data typed by `commands`, the reply by `replies` ------------------------
  expectTypeOf(client.request({ receiver: 'display-01', command: 'showing', data: { what: 'screen' } }, { timeout: 3000 })).toEqualTypeOf<
    Observable<{ url: string; since: number }>
  >();
  // @ts-expect-error data does not match the command's codec
  client.request({ receiver: 'display-01', command: 'showing', data: { what: 'printer' } });
  // @ts-expect-error a mapped command's data is required to match (a number is not { amount })
  client.request({ receiver: 'display-01', command: 'pay', data: 12000 });
  // A command with a request codec but no reply codec: the reply is unknown (never any).
  expectTypeOf(client.request({ receiver: 't-01', command: 'pay', data: { amount: 12000 } })).toEqualTypeOf<Observable<unknown>>();
  // A `codec` types (and decodes) the reply.
  expectTypeOf(client.request({ receiver: 't-01', command: 'pay', data: { amount: 1 } }, { codec: t.type({ receipt: t.string }) })).toEqualTypeOf<
    Observable<{ receipt: string }>
  >();
  // A command outside the maps: any data, unknown reply.
  expectTypeOf(client.request({ receiver: 'p-01', command: 'paper', data: 1 }, { timeout: 1000, ttl: 500, via: 'socket' })).toEqualTypeOf<
    Observable<unknown>
  >();
  // @ts-expect-error timeout is a number
  client.request({ receiver: 'p-01', command: 'paper', data: 1 }, { timeout: '1s' });

  // --- reply: the handler gets typed data and must return the typed reply ----------------
  expectTypeOf(client.reply('showing', () => ({ url: '/a', since: 1 }))).toEqualTypeOf<Observable<RepliedRequest>>();
  client.reply('showing', (message) => {
    expectTypeOf(message).toEqualTypeOf<RexsysMessage<{ what: 'screen' }>>();
    return Promise.resolve({ url: '/a', since: 1 });
  });
  client.reply('showing', () => of({ url: '/a', since: 1 }));
  // @ts-expect-error the reply does not match `replies.showing`
  client.reply('showing', () => ({ url: 1 }));
  // @ts-expect-error a Promise of the wrong reply
  client.reply('showing', () => Promise.resolve('a string'));
  // @ts-expect-error an Observable of the wrong reply
  client.reply('showing', () => of(42));
  client.reply('pay', (message) => {
    expectTypeOf(message.data.amount).toBeNumber();
    return { anything: true };
  });
  // Outside the maps: data unknown, any reply.
  client.reply('paper', (message) => {
    expectTypeOf(message.data).toBeUnknown();
    return 'yes';
  });

  // A client without maps: unknown replies, never any.
  const plain = createRexsysClient({ url: 'http://127.0.0.1:4100', project: 'demo' });
  expectTypeOf(plain.request({ receiver: 'a', command: 'b', data: null })).toEqualTypeOf<Observable<unknown>>();
}

describe('request/reply types (checked by tsc)', () => {
  it('type-checks', () => {
    expect(typeof typeChecks).toBe('function');
  });
});
