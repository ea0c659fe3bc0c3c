/**
 * Type tests of rexsys-rx/vue: checked by `npm run typecheck` (tsconfig.json). The
 * runtime part is a no-op.
 */
import { expectTypeOf } from 'expect-type';
import * as t from 'io-ts';
import type { ComputedRef, ShallowRef } from 'vue';
import { createRexsys, useCommand, useRequest, useRexsys, useRexsysState, useSend, type RegisteredCommands, type RexsysPlugin } from '../../lib/vue/index';
import type { ConnectionState, RexsysClient, RexsysMessage, SendReceipt } from '../../lib/index';

const Show = t.intersection([t.type({ url: t.string }), t.partial({ title: t.string })]);
type Show = t.TypeOf<typeof Show>;
const Ping = t.type({ at: t.number });
const commands = { show: Show, ping: Ping };

declare module '../../lib/vue/index' {
  interface RexsysRegister {
    commands: typeof commands;
  }
}

// Never called: only its types matter.
export function vueTypeChecks(): void {
  expectTypeOf(createRexsys({ url: 'https://rexsys.example.com', project: 'acme', productkey: 'K', commands })).toEqualTypeOf<RexsysPlugin>();
  createRexsys({ url: 'u', project: 'p', credentials: { uid: 'kiosk-01', token: 't' }, activeOn: 'any', restBody: 'form' });
  // @ts-expect-error activeOn is 'browser' or 'any'
  createRexsys({ url: 'u', project: 'p', activeOn: 'server' });

  expectTypeOf<RegisteredCommands>().toEqualTypeOf<typeof commands>();
  expectTypeOf(useRexsys()).toEqualTypeOf<RexsysClient<typeof commands> | null>();

  const { state, ready } = useRexsysState();
  expectTypeOf(state).toEqualTypeOf<Readonly<ShallowRef<ConnectionState>>>();
  expectTypeOf(ready).toEqualTypeOf<ComputedRef<boolean>>();

  // useCommand: a ref, or a callback; typed by the registered map or a codec.
  expectTypeOf(useCommand('show')).toEqualTypeOf<Readonly<ShallowRef<RexsysMessage<Show> | undefined>>>();
  useCommand('ping', (m) => expectTypeOf(m.data).toEqualTypeOf<{ at: number }>());
  expectTypeOf(useCommand('tick', t.type({ n: t.number }))).toEqualTypeOf<Readonly<ShallowRef<RexsysMessage<{ n: number }> | undefined>>>();
  useCommand('tick', t.type({ n: t.number }), (m) => expectTypeOf(m.data.n).toBeNumber());
  // @ts-expect-error a command outside the map needs a codec
  useCommand('tick');

  // useSend: typed by the map; resolves with the receipt.
  const send = useSend();
  expectTypeOf(send({ receiver: 'display-01', command: 'show', data: { url: '/a' } })).toEqualTypeOf<Promise<SendReceipt>>();
  void send({ receiver: 'display-01', command: 'ping', data: { at: 1 } }, { via: 'rest' });
  // @ts-expect-error url must be a string
  void send({ receiver: 'display-01', command: 'show', data: { url: 1 } });
  // @ts-expect-error at is missing
  void send({ receiver: 'display-01', command: 'ping', data: {} });
  void send({ receiver: 'display-01', command: 'reboot', data: { now: true } }); // outside the map: unchecked

  // useRequest: typed message; reply unknown unless a codec says otherwise.
  const request = useRequest();
  expectTypeOf(request({ receiver: 'kiosk-01', command: 'ping', data: { at: 1 } })).toEqualTypeOf<Promise<unknown>>();
  expectTypeOf(request({ receiver: 'kiosk-01', command: 'ping', data: { at: 1 } }, { codec: Ping })).toEqualTypeOf<Promise<{ at: number }>>();
  // @ts-expect-error wrong data for ping
  void request({ receiver: 'kiosk-01', command: 'ping', data: { at: '1' } });

  // An explicit map wins over the registered one.
  const _other = { volume: t.type({ level: t.number }) };
  const sendOther = useSend<typeof _other>();
  void sendOther({ receiver: 'x', command: 'volume', data: { level: 3 } });
  // @ts-expect-error level must be a number
  void sendOther({ receiver: 'x', command: 'volume', data: { level: 'loud' } });
}

it('vue type tests are checked by tsc (npm run typecheck)', () => {
  expect(typeof vueTypeChecks).toBe('function');
});
