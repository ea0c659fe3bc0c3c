/**
 * Type tests of rexsys-rx/angular: checked by `npm run typecheck:angular`
 * (spec/angular/tsconfig.json). The runtime part is a no-op.
 */
import type { Provider, Signal } from '@angular/core';
import { expectTypeOf } from 'expect-type';
import * as t from 'io-ts';
import type { Observable } from 'rxjs';
import { injectCommand, injectRexsys, provideRexsys, provideRexsysTesting, type RegisteredCommands, type Rexsys } from '../../lib/angular/index';
import type { ConnectionState, RexsysClient, RexsysError, RexsysMessage, SendReceipt } from '../../lib/index';

const Show = t.intersection([t.type({ url: t.string }), t.partial({ title: t.string })]);
type Show = t.TypeOf<typeof Show>;
const Ping = t.type({ at: t.number });
const commands = { show: Show, ping: Ping };

// The app registers its map once; every injectRexsys() / injectCommand() is typed by it.
declare module '../../lib/angular/index' {
  interface RexsysRegister {
    commands: typeof commands;
  }
}

// Never called: only its types matter.
export function angularTypeChecks(): void {
  expectTypeOf(provideRexsys({ url: 'https://rexsys.example.com', project: 'acme', productkey: 'K', commands })).toEqualTypeOf<Provider[]>();
  provideRexsys({ url: 'u', project: 'p', credentials: { uid: 'kiosk-01', token: 't' }, activeOn: 'any', restBody: 'form' });
  // @ts-expect-error activeOn is 'browser' or 'any'
  provideRexsys({ url: 'u', project: 'p', activeOn: 'server' });
  provideRexsysTesting({ url: 'http://127.0.0.1:1' }, { productkey: 'DISPLAY-KEY', commands });

  // --- registered map ---------------------------------------------------------------
  expectTypeOf<RegisteredCommands>().toEqualTypeOf<typeof commands>();
  const rexsys = injectRexsys();
  expectTypeOf(rexsys).toEqualTypeOf<Rexsys<typeof commands>>();
  expectTypeOf(rexsys.client).toEqualTypeOf<RexsysClient<typeof commands> | null>();
  expectTypeOf(rexsys.state).toEqualTypeOf<Signal<ConnectionState>>();
  expectTypeOf(rexsys.ready).toEqualTypeOf<Signal<boolean>>();
  expectTypeOf(rexsys.errors$).toEqualTypeOf<Observable<RexsysError>>();
  expectTypeOf(rexsys.command$('show')).toEqualTypeOf<Observable<RexsysMessage<Show>>>();
  expectTypeOf(rexsys.command$('other')).toEqualTypeOf<Observable<RexsysMessage>>();
  expectTypeOf(rexsys.command$('tick', t.type({ n: t.number }))).toEqualTypeOf<Observable<RexsysMessage<{ n: number }>>>();

  // send: typed by the map, cold, one receipt.
  expectTypeOf(rexsys.send({ receiver: 'display-01', command: 'show', data: { url: '/a' } })).toEqualTypeOf<Observable<SendReceipt>>();
  rexsys.send({ receiver: 'display-01', command: 'ping', data: { at: 1 } }, { via: 'rest', timeout: 1000 });
  // @ts-expect-error url must be a string
  rexsys.send({ receiver: 'display-01', command: 'show', data: { url: 1 } });
  // @ts-expect-error at is missing
  rexsys.send({ receiver: 'display-01', command: 'ping', data: {} });
  // Commands outside the map: data unchecked (as the client's send).
  rexsys.send({ receiver: 'display-01', command: 'reboot', data: { now: true } });

  // request: typed message; the reply is unknown unless a codec says otherwise.
  expectTypeOf(rexsys.request({ receiver: 'kiosk-01', command: 'ping', data: { at: 1 } })).toEqualTypeOf<Observable<unknown>>();
  expectTypeOf(rexsys.request({ receiver: 'kiosk-01', command: 'ping', data: { at: 1 } }, { codec: Ping, timeout: 500 })).toEqualTypeOf<
    Observable<{ at: number }>
  >();
  // @ts-expect-error wrong data for ping
  rexsys.request({ receiver: 'kiosk-01', command: 'ping', data: { at: '1' } });

  // --- signal helpers ----------------------------------------------------------------
  expectTypeOf(injectCommand('show')).toEqualTypeOf<Signal<RexsysMessage<Show> | undefined>>();
  expectTypeOf(injectCommand('ping')).toEqualTypeOf<Signal<RexsysMessage<{ at: number }> | undefined>>();
  expectTypeOf(injectCommand('tick', t.type({ n: t.number }))).toEqualTypeOf<Signal<RexsysMessage<{ n: number }> | undefined>>();
  // @ts-expect-error a command outside the map needs a codec
  injectCommand('tick');

  // --- an explicit map wins over the registered one ----------------------------------
  const _other = { volume: t.type({ level: t.number }) };
  const typed = injectRexsys<typeof _other>();
  typed.send({ receiver: 'x', command: 'volume', data: { level: 3 } });
  // @ts-expect-error level must be a number
  typed.send({ receiver: 'x', command: 'volume', data: { level: 'loud' } });
  expectTypeOf(typed.command$('volume')).toEqualTypeOf<Observable<RexsysMessage<{ level: number }>>>();
}

it('angular type tests are checked by tsc (npm run typecheck:angular)', () => {
  expect(typeof angularTypeChecks).toBe('function');
});
